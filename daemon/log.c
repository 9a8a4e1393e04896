/*
 * log.c: the daemon's event log on stderr; see log.h. Each line goes out in
 * one write(2) so lines from one process never interleave.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

enum { PRIO_ERR = 3, PRIO_WARNING = 4, PRIO_INFO = 6, PRIO_DEBUG = 7 };

/* Longest line written; longer messages are cut and end with "...". */
#define LOG_LINE_MAX 4096

static struct {
    bool started;
    int max_prio; /* lines of a higher (less important) priority are dropped */
    bool journal;
    char progname[64];
} logger;

/* JOURNAL_STREAM is "DEVICE:INODE" of the stream journald gave us. */
static bool
stderr_is_journal(void)
{
    const char *env = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    char tail;

    if (env == NULL || sscanf(env, "%llu:%llu%c", &dev, &ino, &tail) != 2)
        return false;
    if (fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
ct_log_init(const char *progname, bool verbose)
{
    snprintf(logger.progname, sizeof(logger.progname), "%s", progname ? progname : "coffeetrial");
    logger.max_prio = verbose ? PRIO_DEBUG : PRIO_INFO;
    logger.journal = stderr_is_journal();
    logger.started = true;
}

void
ct_log_set_level(enum ct_log_level level)
{
    logger.max_prio = level == CT_LOG_DEBUG     ? PRIO_DEBUG
                      : level == CT_LOG_WARNING ? PRIO_WARNING
                                                : PRIO_INFO;
}

bool
ct_log_journal(void)
{
    return logger.journal;
}

/* Append s to line, escaping what would break the one-line rule. */
static void
put_escaped(char *line, size_t *len, size_t cap, const char *s)
{
    for (; *s && *len + 5 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n')
            *len += (size_t)snprintf(line + *len, cap - *len, "\\n");
        else if (c == '\r')
            *len += (size_t)snprintf(line + *len, cap - *len, "\\r");
        else if (c == '\t')
            *len += (size_t)snprintf(line + *len, cap - *len, "\\t");
        else if (c < 0x20 || c == 0x7f)
            *len += (size_t)snprintf(line + *len, cap - *len, "\\x%02x", c);
        else
            line[(*len)++] = (char)c;
    }
    if (*s) {
        /* Cut: say so rather than lose the end silently. */
        memcpy(line + *len, "...", 3);
        *len += 3;
    }
    line[*len] = '\0';
}

static void log_line(int prio, const char *errstr, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
log_line(int prio, const char *errstr, const char *fmt, va_list ap)
{
    static const char *const plain_words[8] = {"", "", "", "", "warning: ", "", "", "debug: "};
    char message[LOG_LINE_MAX];
    char line[LOG_LINE_MAX + 16];
    size_t len = 0;
    ssize_t n;
    int saved = errno;

    if (!logger.started || prio > logger.max_prio)
        return;
    vsnprintf(message, sizeof(message), fmt, ap);
    if (logger.journal)
        len = (size_t)snprintf(line, sizeof(line), "<%d>", prio);
    else
        len = (size_t)snprintf(line, sizeof(line), "%s: %s", logger.progname, plain_words[prio]);
    put_escaped(line, &len, sizeof(line) - 1, message);
    if (errstr) {
        put_escaped(line, &len, sizeof(line) - 1, ": ");
        put_escaped(line, &len, sizeof(line) - 1, errstr);
    }
    line[len++] = '\n';
    do
        n = write(STDERR_FILENO, line, len);
    while (n < 0 && errno == EINTR);
    errno = saved;
}

#define LOG_FUNCTION(name, prio, with_errno)                                                       \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        const char *errstr = (with_errno) ? strerror(errno) : NULL;                                \
        va_list ap;                                                                                \
                                                                                                   \
        va_start(ap, fmt);                                                                         \
        log_line(prio, errstr, fmt, ap);                                                           \
        va_end(ap);                                                                                \
    }

LOG_FUNCTION(ct_log_error, PRIO_ERR, 0)
LOG_FUNCTION(ct_log_warn, PRIO_WARNING, 1)
LOG_FUNCTION(ct_log_warnx, PRIO_WARNING, 0)
LOG_FUNCTION(ct_log_info, PRIO_INFO, 0)
LOG_FUNCTION(ct_log_debug, PRIO_DEBUG, 0)
