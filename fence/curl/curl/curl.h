/*
 * A fence, not libcurl: every layer but lib/net finds this file first, so
 * an #include <curl/curl.h> there fails to build. The network is reached
 * through lib/net (docs/hacking.md, "Layers").
 */
#error "only lib/net may include <curl/curl.h>: use lib/net's functions"
