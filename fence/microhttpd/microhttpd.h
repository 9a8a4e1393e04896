/*
 * A fence, not libmicrohttpd: every target but ct_web finds this file
 * first, so an #include <microhttpd.h> outside lib/web fails to build. The
 * HTTP listener is reached through lib/web/web.h (docs/hacking.md, "Layers").
 */
#error "only lib/web may include <microhttpd.h>: use lib/web/web.h"
