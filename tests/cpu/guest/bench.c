/* CPU benchmark for rv_bench: integer matrix multiply, CRC-32, sorting and a
 * branchy state machine; prints one checksum per kernel and exits 0. The
 * firmware engineer's firmware/bench supersedes it on the full platform. */
#include <stdint.h>
#include <stdio.h>

#ifndef ROUNDS
#define ROUNDS 40
#endif

#define N 32
static int32_t a[N][N], b[N][N], c[N][N];
static uint8_t buf[4096];
static int32_t arr[1024];

static uint32_t rng = 12345u;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint32_t matmul(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t s = 0;
            for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    uint32_t h = 0;
    for (int i = 0; i < N; i++) h = h * 31u + (uint32_t)c[i][i];
    return h;
}

static uint32_t crc32(const uint8_t* p, unsigned n) {
    uint32_t crc = 0xffffffffu;
    for (unsigned i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1u));
    }
    return ~crc;
}

static void quicksort(int32_t* v, int lo, int hi) {
    while (lo < hi) {
        int32_t p = v[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) {
                int32_t t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
}

static uint32_t sort_kernel(void) {
    for (int i = 0; i < 1024; i++) arr[i] = (int32_t)(next() % 100000u) - 50000;
    quicksort(arr, 0, 1023);
    uint32_t h = 0;
    for (int i = 0; i < 1024; i += 37) h = h * 33u + (uint32_t)arr[i];
    return h;
}

/* A small tokenizer state machine over pseudo-random text. */
static uint32_t state_machine(void) {
    enum { WS, WORD, NUM, PUNCT } st = WS;
    uint32_t words = 0, nums = 0, puncts = 0;
    for (unsigned i = 0; i < sizeof buf; i++) {
        uint8_t ch = buf[i];
        switch (st) {
            case WS:
                if (ch >= 'a' && ch <= 'z') st = WORD, words++;
                else if (ch >= '0' && ch <= '9') st = NUM, nums++;
                else if (ch != ' ') st = PUNCT, puncts++;
                break;
            case WORD:
                if (ch == ' ') st = WS;
                else if (ch >= '0' && ch <= '9') st = NUM, nums++;
                else if (!(ch >= 'a' && ch <= 'z')) st = PUNCT, puncts++;
                break;
            case NUM:
                if (ch == ' ') st = WS;
                else if (!(ch >= '0' && ch <= '9')) st = PUNCT, puncts++;
                break;
            case PUNCT:
                if (ch == ' ') st = WS;
                else if (ch >= 'a' && ch <= 'z') st = WORD, words++;
                break;
        }
    }
    return words * 65536u + nums * 256u + puncts;
}

int main(void) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 ,.;   ";
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (int32_t)(next() % 200u) - 100;
            b[i][j] = (int32_t)(next() % 200u) - 100;
        }
    for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)alphabet[next() % (sizeof alphabet - 1)];
    uint32_t hm = 0, hc = 0, hs = 0, ht = 0;
    for (int r = 0; r < ROUNDS; r++) {
        hm += matmul();
        hc += crc32(buf, sizeof buf);
        hs += sort_kernel();
        ht += state_machine();
        buf[r % sizeof buf] ^= (uint8_t)r;
    }
    printf("matmul %08lx crc %08lx sort %08lx fsm %08lx\n", (unsigned long)hm, (unsigned long)hc,
           (unsigned long)hs, (unsigned long)ht);
    return 0;
}
