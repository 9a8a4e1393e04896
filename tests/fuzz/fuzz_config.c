/*
 * fuzz_config.c: the INI reader on arbitrary bytes. Beyond not crashing or
 * leaking, a config that loads must come back the same through
 * ct_config_format() and a second load ("config show" output reads back).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prompts with a line starting '#' or ';' cannot be written back inline. */
static int
prompts_representable(const struct ct_config *cfg)
{
    const char *line = cfg->invite.prompts;

    if (cfg->invite.prompts_file)
        return 1;
    while (line && *line) {
        if (*line == '#' || *line == ';')
            return 0;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ct_diags diags;
    struct ct_config *cfg = NULL, *again = NULL;
    char *text = NULL, *text2 = NULL;

    ct_diags_init(&diags);
    if (ct_config_load_mem("fuzz.ini", (const char *)data, size, 1780000000, &cfg, &diags) != CT_OK)
        goto out;
    for (size_t i = 0; i < diags.count; i++)
        free(ct_diag_format(&diags.items[i]));
    text = ct_config_format(cfg);
    if (text == NULL || !prompts_representable(cfg))
        goto out;
    ct_diags_free(&diags);
    if (ct_config_load_string("fuzz.ini", text, 1780000000, &again, &diags) != CT_OK)
        abort(); /* "config show" printed something it cannot read back */
    text2 = ct_config_format(again);
    if (text2 == NULL || strcmp(text, text2) != 0)
        abort(); /* and it must read back the same */
out:
    free(text);
    free(text2);
    ct_config_free(cfg);
    ct_config_free(again);
    ct_diags_free(&diags);
    return 0;
}
