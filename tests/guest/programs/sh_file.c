/*
 * Semihosting files, built the QEMU way: create a file under the
 * semihosting root (QEMU: its working directory; vp_run: --semihost-root),
 * write, seek, read back, check length, remove it. When the open fails
 * (vp_run without --semihost-root) it says so and exits 2, cleanly.
 */
#include <stdio.h>
#include <string.h>

#define FILE_NAME "sh_file_test.txt"

int main(void) {
    FILE* f = fopen(FILE_NAME, "w");
    if (f == NULL) {
        printf("sh_file: cannot open " FILE_NAME "\n");
        return 2;
    }
    const char text[] = "line one\nline two\n";
    if (fwrite(text, 1, sizeof text - 1, f) != sizeof text - 1) return 3;
    if (fclose(f) != 0) return 4;

    f = fopen(FILE_NAME, "r");
    if (f == NULL) return 5;
    char buf[64];
    memset(buf, 0, sizeof buf);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    if (n != sizeof text - 1 || memcmp(buf, text, n) != 0) return 6;
    if (fseek(f, 5, SEEK_SET) != 0) return 7;
    char word[4] = {0};
    if (fread(word, 1, 3, f) != 3 || memcmp(word, "one", 3) != 0) return 8;
    if (fseek(f, 0, SEEK_END) != 0 || ftell(f) != (long)(sizeof text - 1)) return 9;
    fclose(f);
    if (remove(FILE_NAME) != 0) return 10;
    if (fopen(FILE_NAME, "r") != NULL) return 11;
    printf("sh_file: wrote, read back and removed %u bytes\n", (unsigned)(sizeof text - 1));
    printf("PASS sh_file\n");
    return 0;
}
