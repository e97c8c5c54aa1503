/* npu_abi/cpu_ops.h compiled as C99 (-Wpedantic): the firmware's language.
 * cpu_ops_test.cpp calls these wrappers and compares their bytes with the
 * same functions compiled as C++. */
#include "npu_abi/cpu_ops.h"

int cpu_ops_c_softmax(int8_t* dst, const int8_t* src, const uint32_t* table, uint32_t rows,
                      uint32_t cols, int32_t mult, uint32_t shift, int32_t zp_y);
int cpu_ops_c_step_run(const npu_cpu_step_t* s, uint8_t* base, uint32_t base_addr, uint32_t span);

int cpu_ops_c_softmax(int8_t* dst, const int8_t* src, const uint32_t* table, uint32_t rows,
                      uint32_t cols, int32_t mult, uint32_t shift, int32_t zp_y) {
    return npu_cpu_softmax(dst, src, table, rows, cols, mult, shift, zp_y);
}

int cpu_ops_c_step_run(const npu_cpu_step_t* s, uint8_t* base, uint32_t base_addr, uint32_t span) {
    return npu_cpu_step_run(s, base, base_addr, span);
}
