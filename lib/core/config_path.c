/*
 * config_path.c: where the configuration file is (ct_config_locate); see
 * config_path.h. The order of -c, $COFFEETRIAL_CONFIG and the default is
 * ct_config_default_path()'s; this adds "the default only if it exists".
 */
#include "config_path.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config.h"

const char *
ct_config_locate(const char *option)
{
    const char *env = getenv("COFFEETRIAL_CONFIG");
    bool named = (option && *option) || (env && *env);
    const char *path = ct_config_default_path(option);
    struct stat sb;

    if (!named && stat(path, &sb) != 0 && errno == ENOENT)
        return NULL;
    return path;
}
