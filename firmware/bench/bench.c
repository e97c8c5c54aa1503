/*
 * Benchmark firmware: four integer kernels a CPU model must run fast, each
 * self-checking (exit 0 only if every result is right). Nothing is printed
 * while they run; one line per kernel and "PASS bench" come at the end.
 * DRAM-linked, so it runs unchanged on QEMU virt for comparison.
 *
 *   matmul  int32 C = A * B, N x N, checked element-wise against the
 *           closed form of sum_k (i + k) * (k - j)
 *   crc32   bitwise (branchy) and table-driven CRC-32 over a generated
 *           buffer must agree; CRC-32("123456789") = 0xcbf43926
 *   sort    quicksort (+ insertion sort for short runs) of pseudo-random
 *           words: sorted, and sum/xor/sum of squares preserved
 *   fsm     a lexer state machine over generated text must recover the
 *           token counts and the number total the generator produced
 *
 * Size: about 200 million instructions in total (BENCH_SCALE multiplies the
 * repetitions, BENCH_DIV divides them, at least one each; measured with qemu
 * -icount: see firmware/README.md). BENCH_PRINT_COUNTS 0 leaves out the
 * minstret figures, so the output is the same on a simulator whose minstret
 * is not exact (plain QEMU): tests/cpu compares with QEMU that way.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vprt/csr.h"

#ifndef BENCH_DIV
#define BENCH_DIV 1
#endif
#ifndef BENCH_PRINT_COUNTS
#define BENCH_PRINT_COUNTS 1
#endif
#define BENCH_REPS(n) (BENCH_SCALE * (n) / BENCH_DIV > 0 ? BENCH_SCALE * (n) / BENCH_DIV : 1)
#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif

#define MM_N 48
#define MM_REPS BENCH_REPS(60)
#define CRC_LEN 16384
#define CRC_REPS BENCH_REPS(42)
#define SORT_LEN 8192
#define SORT_REPS BENCH_REPS(45)
#define FSM_LEN 65536
#define FSM_REPS BENCH_REPS(25)

static uint32_t s_rng = 0x12345678u;
static uint32_t rng(void) {
    uint32_t x = s_rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s_rng = x;
    return x;
}

/* ---------------- matmul ---------------- */
static int32_t s_a[MM_N][MM_N], s_b[MM_N][MM_N], s_c[MM_N][MM_N];

static void matmul(void) {
    for (int i = 0; i < MM_N; ++i)
        for (int j = 0; j < MM_N; ++j) {
            int32_t acc = 0;
            for (int k = 0; k < MM_N; ++k)
                acc += s_a[i][k] * s_b[k][j];
            s_c[i][j] = acc;
        }
}

static int bench_matmul(void) {
    const int32_t n = MM_N, s1 = n * (n - 1) / 2, s2 = (n - 1) * n * (2 * n - 1) / 6;
    for (int rep = 0; rep < MM_REPS; ++rep) {
        const int32_t off = rep; /* A[i][k] = i + k + off keeps each rep distinct */
        for (int i = 0; i < MM_N; ++i)
            for (int k = 0; k < MM_N; ++k) {
                s_a[i][k] = i + k + off;
                s_b[k][i] = k - i;
            }
        matmul();
        for (int32_t i = 0; i < n; ++i)
            for (int32_t j = 0; j < n; ++j) {
                const int32_t ii = i + off;
                const int32_t want = ii * s1 - n * ii * j + s2 - j * s1;
                if (s_c[i][j] != want) return 0;
            }
    }
    return 1;
}

/* ---------------- crc32 ---------------- */
static uint8_t s_buf[CRC_LEN];
static uint32_t s_crc_table[256];

static uint32_t crc32_bitwise(const uint8_t* p, uint32_t n) {
    uint32_t crc = 0xffffffffu;
    while (n--) {
        crc ^= *p++;
        for (int b = 0; b < 8; ++b) {
            if (crc & 1u)
                crc = (crc >> 1) ^ 0xedb88320u;
            else
                crc >>= 1;
        }
    }
    return ~crc;
}

static uint32_t crc32_table(const uint8_t* p, uint32_t n) {
    uint32_t crc = 0xffffffffu;
    while (n--)
        crc = (crc >> 8) ^ s_crc_table[(crc ^ *p++) & 0xffu];
    return ~crc;
}

static int bench_crc(void) {
    for (uint32_t i = 0; i < 256u; ++i) {
        uint32_t c = i;
        for (int b = 0; b < 8; ++b)
            c = (c & 1u) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        s_crc_table[i] = c;
    }
    static const uint8_t check[] = "123456789";
    if (crc32_bitwise(check, 9) != 0xcbf43926u || crc32_table(check, 9) != 0xcbf43926u) return 0;
    for (int rep = 0; rep < CRC_REPS; ++rep) {
        for (uint32_t i = 0; i < CRC_LEN; ++i)
            s_buf[i] = (uint8_t)rng();
        if (crc32_bitwise(s_buf, CRC_LEN) != crc32_table(s_buf, CRC_LEN)) return 0;
    }
    return 1;
}

/* ---------------- sort ---------------- */
static uint32_t s_arr[SORT_LEN];

static void insertion_sort(uint32_t* a, int n) {
    for (int i = 1; i < n; ++i) {
        const uint32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            --j;
        }
        a[j + 1] = v;
    }
}

static void quicksort(uint32_t* a, int n) {
    while (n > 16) {
        const uint32_t pivot = a[n / 2];
        int i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                ++i;
            while (a[j] > pivot)
                --j;
            if (i >= j) break;
            const uint32_t t = a[i];
            a[i] = a[j];
            a[j] = t;
            ++i;
            --j;
        }
        /* recurse into the smaller part, loop on the larger */
        const int left = j + 1;
        if (left < n - left) {
            quicksort(a, left);
            a += left;
            n -= left;
        } else {
            quicksort(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

static int bench_sort(void) {
    for (int rep = 0; rep < SORT_REPS; ++rep) {
        uint32_t sum = 0, x = 0, sq = 0;
        for (int i = 0; i < SORT_LEN; ++i) {
            const uint32_t v =
                rep & 1 ? rng() : rng() % 1000u; /* many duplicates every other rep */
            s_arr[i] = v;
            sum += v;
            x ^= v;
            sq += v * v;
        }
        quicksort(s_arr, SORT_LEN);
        for (int i = 0; i < SORT_LEN; ++i) {
            const uint32_t v = s_arr[i];
            if (i > 0 && s_arr[i - 1] > v) return 0;
            sum -= v;
            x ^= v;
            sq -= v * v;
        }
        if (sum != 0u || x != 0u || sq != 0u) return 0;
    }
    return 1;
}

/* ---------------- fsm ---------------- */
enum { TOK_NUMBER, TOK_IDENT, TOK_OP, TOK_COMMENT, TOK_KINDS };
static char s_text[FSM_LEN + 64];

struct tok_counts {
    uint32_t n[TOK_KINDS];
    uint32_t number_sum;
};

/* Write tokens separated by blanks until the buffer is nearly full. */
static uint32_t generate(struct tok_counts* want) {
    static const char ops[] = "+-*/=<>";
    uint32_t len = 0;
    memset(want, 0, sizeof *want);
    while (len < FSM_LEN) {
        const uint32_t r = rng();
        switch (r % 8u) {
            case 0:
            case 1:
            case 2: { /* number, 1..5 digits */
                uint32_t digits = 1u + (r >> 8) % 5u, value = 0;
                for (uint32_t d = 0; d < digits; ++d) {
                    const uint32_t dig = (r >> (12 + 3 * d)) % 10u;
                    s_text[len++] = (char)('0' + dig);
                    value = value * 10u + dig;
                }
                want->n[TOK_NUMBER]++;
                want->number_sum += value;
                break;
            }
            case 3:
            case 4:
            case 5: { /* identifier: letter then 0..7 letters/digits/_ */
                uint32_t extra = (r >> 8) % 8u, s = r;
                s_text[len++] = (char)('a' + (r >> 16) % 26u);
                for (uint32_t c = 0; c < extra; ++c) {
                    s = s * 1103515245u + 12345u;
                    const uint32_t k = (s >> 16) % 38u;
                    s_text[len++] = (char)(k < 26u ? 'a' + k : (k < 36u ? '0' + (k - 26u) : '_'));
                }
                want->n[TOK_IDENT]++;
                break;
            }
            case 6: /* operator */
                s_text[len++] = ops[(r >> 8) % 7u];
                want->n[TOK_OP]++;
                break;
            default: { /* comment to end of line */
                uint32_t extra = (r >> 8) % 12u;
                s_text[len++] = '#';
                for (uint32_t c = 0; c < extra; ++c)
                    s_text[len++] = (char)(' ' + ((r >> (c % 24u)) % 90u));
                s_text[len++] = '\n';
                want->n[TOK_COMMENT]++;
                break;
            }
        }
        s_text[len++] = (r & 0x80000000u) ? '\n' : ' ';
    }
    s_text[len] = '\0';
    return len;
}

enum state { S_BLANK, S_NUMBER, S_IDENT, S_COMMENT };

static void lex(const char* p, struct tok_counts* got) {
    enum state st = S_BLANK;
    uint32_t value = 0;
    memset(got, 0, sizeof *got);
    for (;; ++p) {
        const char c = *p;
        switch (st) {
            case S_BLANK:
                if (c >= '0' && c <= '9') {
                    st = S_NUMBER;
                    value = (uint32_t)(c - '0');
                } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
                    st = S_IDENT;
                } else if (c == '#') {
                    st = S_COMMENT;
                } else if (c == '+' || c == '-' || c == '*' || c == '/' || c == '=' || c == '<' ||
                           c == '>') {
                    got->n[TOK_OP]++;
                } else if (c == '\0') {
                    return;
                }
                break;
            case S_NUMBER:
                if (c >= '0' && c <= '9') {
                    value = value * 10u + (uint32_t)(c - '0');
                } else {
                    got->n[TOK_NUMBER]++;
                    got->number_sum += value;
                    st = S_BLANK;
                    --p; /* reprocess c */
                }
                break;
            case S_IDENT:
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_')) {
                    got->n[TOK_IDENT]++;
                    st = S_BLANK;
                    --p;
                }
                break;
            case S_COMMENT:
                if (c == '\n' || c == '\0') {
                    got->n[TOK_COMMENT]++;
                    st = S_BLANK;
                    if (c == '\0') --p;
                }
                break;
        }
    }
}

static int bench_fsm(void) {
    for (int rep = 0; rep < FSM_REPS; ++rep) {
        struct tok_counts want, got;
        generate(&want);
        lex(s_text, &got);
        if (memcmp(&want, &got, sizeof want) != 0) return 0;
    }
    return 1;
}

int main(void) {
    /* timed part: no output. minstret is exact on npu-vp and on
     * qemu -icount shift=0 (host ticks on plain QEMU). */
    uint64_t n[5];
    n[0] = vp_read_minstret();
    const int mm = bench_matmul();
    n[1] = vp_read_minstret();
    const int crc = bench_crc();
    n[2] = vp_read_minstret();
    const int sort = bench_sort();
    n[3] = vp_read_minstret();
    const int fsm = bench_fsm();
    n[4] = vp_read_minstret();
    static const char* const names[4] = {"matmul", "crc32", "sort", "fsm"};
    const int ok[4] = {mm, crc, sort, fsm};
    int status = 0;
    for (int i = 0; i < 4; ++i) {
        if (BENCH_PRINT_COUNTS)
            printf("bench: %-6s %s (minstret delta %llu)\n", names[i], ok[i] ? "ok" : "WRONG",
                   (unsigned long long)(n[i + 1] - n[i]));
        else
            printf("bench: %-6s %s\n", names[i], ok[i] ? "ok" : "WRONG");
        if (!ok[i]) status |= 1 << i;
    }
    if (BENCH_PRINT_COUNTS)
        printf("bench: total minstret delta %llu\n", (unsigned long long)(n[4] - n[0]));
    if (status != 0) return status;
    printf("PASS bench\n");
    return 0;
}
