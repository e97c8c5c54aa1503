/*
 * Semihosting console, built the QEMU way (picolibc crt0-semihost and
 * libsemihost): printf through SYS_WRITE0/WRITE to ":tt", exit status 0
 * through SYS_EXIT_EXTENDED.
 */
#include <stdio.h>
#include <string.h>

int main(void) {
    printf("hello from semihosting\n");
    printf("numbers: %d %u 0x%x %s\n", -1, 4000000000u, 0xc0ffeeu, "ok");
    fputs("fputs line\n", stdout);
    fprintf(stderr, "to stderr\n");
    char buf[64];
    snprintf(buf, sizeof buf, "%s-%d", "snprintf", 7);
    if (strcmp(buf, "snprintf-7") != 0) return 1;
    printf("PASS sh_hello\n");
    return 0;
}
