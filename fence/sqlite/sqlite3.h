/*
 * A fence, not SQLite: the layers above and beside lib/store find this file
 * first, so an #include <sqlite3.h> there fails to build. The database is
 * reached through lib/store's typed functions (docs/hacking.md, "Layers").
 */
#error "only lib/store may include <sqlite3.h>: use the store's typed functions"
