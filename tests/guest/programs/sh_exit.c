/* Semihosting exit with a non-zero status: the run must end with status 7. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    printf("sh_exit: exiting with 7\n");
    exit(7);
}
