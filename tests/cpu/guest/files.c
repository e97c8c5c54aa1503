/* Semihosting files inside --semihost-root: write, read back, seek, flen,
 * remove; escapes and system() must fail. Prints one line per
 * check and exits 0 when all passed (1 otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static void check(int ok, const char* what) {
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) failures++;
}

int main(void) {
    FILE* f = fopen("out.txt", "w");
    check(f != NULL, "create out.txt");
    if (f) {
        fputs("line one\nline two\n", f);
        fclose(f);
    }
    char buf[64] = {0};
    f = fopen("out.txt", "r");
    check(f != NULL, "reopen out.txt");
    if (f) {
        check(fgets(buf, sizeof buf, f) != NULL && strcmp(buf, "line one\n") == 0, "read line one");
        check(fseek(f, 9, SEEK_SET) == 0, "seek");
        check(fgets(buf, sizeof buf, f) != NULL && strcmp(buf, "line two\n") == 0, "read line two");
        check(fseek(f, 0, SEEK_END) == 0 && ftell(f) == 18, "flen via seek end");
        fclose(f);
    }
    check(remove("out.txt") == 0, "remove inside root");
    check(fopen("out.txt", "r") == NULL, "removed file gone");
    check(fopen("../escape.txt", "w") == NULL, "refuse ..");
    check(fopen("/etc/passwd", "r") == NULL, "refuse absolute");
    check(fopen("link_out/passwd", "r") == NULL, "refuse symlink out");
    check(remove("../victim.txt") != 0, "refuse remove outside");
    check(system("echo pwned") != 0, "refuse system");
    return failures ? 1 : 0;
}
