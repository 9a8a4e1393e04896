/*
 * replay.c: runs a fuzz target over every file of a corpus directory, so
 * CTest replays the seed corpora (and any crash reproducers added to them)
 * in ordinary builds, including the sanitizer build.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
    struct dirent **names;
    int n, i, ran = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 64;
    }
    n = scandir(argv[1], &names, NULL, alphasort);
    if (n < 0) {
        perror(argv[1]);
        return 66;
    }
    for (i = 0; i < n; i++) {
        char path[4096];
        FILE *f;
        uint8_t *buf;
        long len;

        if (names[i]->d_name[0] == '.') {
            free(names[i]);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);
        free(names[i]);
        f = fopen(path, "rb");
        if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
            perror(path);
            return 66;
        }
        rewind(f);
        buf = malloc((size_t)len + 1);
        if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
            perror(path);
            return 74;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)len);
        free(buf);
        ran++;
    }
    free(names);
    printf("%d inputs replayed from %s\n", ran, argv[1]);
    /* An empty corpus would make this test pass without testing anything. */
    return ran > 0 ? 0 : 1;
}
