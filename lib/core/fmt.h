/*
 * fmt.h: printf into a new heap string. The one formatting helper that
 * both the error records (error.c) and the utilities (util.c) build on, so
 * neither has to include the other's header.
 */
#ifndef CT_FMT_H
#define CT_FMT_H

#include <stdarg.h>

/* printf into a new heap string (the caller frees it); NULL on allocation failure. */
char *ct_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ct_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
