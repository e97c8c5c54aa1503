/* main() for the assembly guest tests: runs test_main, prints the verdict, exits with it. */
#include <stdio.h>

int test_main(void);

int main(void) {
    const int failed = test_main();
    if (failed != 0) {
        printf("FAIL %s check %d\n", VP_TEST_NAME, failed);
        return failed;
    }
    printf("PASS %s\n", VP_TEST_NAME);
    return 0;
}
