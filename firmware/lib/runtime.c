/*
 * Model runtime (see vprt/runtime.h): checks the model image and the input
 * header, then runs the irq program (descriptor lists the NPU walks) or the
 * call program (one kernel launch at a time) and reports on the UART.
 */
#include "vprt/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu_abi/cpu_ops.h"
#include "npu_abi/memory_map.h"
#include "npu_abi/npu_regs.h"
/* The recurrent cells and attention softmax (lstm, gru, attention models). */
#if defined(__has_include)
#if __has_include("npu_abi/rnn.h")
#include "npu_abi/rnn.h"
#define VP_MODEL_HAS_RNN 1
#endif
#endif
#ifndef VP_MODEL_HAS_RNN
#define VP_MODEL_HAS_RNN 0
#endif
#include "vprt/mmio.h"
#include "vprt/npu.h"
#include "vprt/rt.h"

/* Patched fields are aligned 16- and 32-bit words of a descriptor or step. */
typedef uint32_t __attribute__((may_alias)) vp_u32_alias;

/* The image's tables and the run's parameters, resolved once. */
struct model {
    const npu_img_header_t* h;
    const npu_img_layer_t* layers;
    const npu_desc_t* descs; /* the table (SRAM copy when it fits): call mode launches */
    npu_desc_t* list_descs;  /* in the image in DRAM, where the NPU fetches lists */
    const npu_prog_op_t* ops;
    const npu_cpu_step_t* steps;
    const npu_patch_t* patches;
    uint32_t seq_len; /* effective run-time sequence length */
    uint32_t control, completion, flags;
    /* what the run did */
    uint32_t launches, lists, cpu_steps;
};

struct loop {
    uint32_t body;  /* op index of the loop's first body op */
    uint32_t count; /* trip count */
    uint32_t index; /* current iteration */
};

/* Word copy: picolibc's size-optimised memcpy moves bytes, and every CPU
 * access to DRAM costs the DRAM's latency, so word accesses are 4x cheaper.
 * Both pointers 4-byte aligned, `bytes` a multiple of 4. */
static void copy_words(void* dst, const void* src, uint32_t bytes) {
    vp_u32_alias* d = (vp_u32_alias*)dst;
    const vp_u32_alias* s = (const vp_u32_alias*)src;
    for (uint32_t i = 0; i < bytes / 4u; ++i)
        d[i] = s[i];
}

static void fw_step(uint32_t v) {
    vp_mmio_write32(VP_SYSCON_BASE + VP_SYSCON_FW_STEP, v);
}

static int fail(int status) {
    fw_step(VP_FW_STEP_FAIL | (uint32_t)status);
    return status;
}

const npu_img_header_t* vp_model_find(uint32_t addr) {
    const npu_img_header_t* h = (const npu_img_header_t*)(uintptr_t)addr;
    return h->magic == NPU_IMG_MAGIC ? h : NULL;
}

/* ---- checks (once, before anything runs) ---- */

/* A table of `count` entries of `size` bytes at `offset`: 64-byte aligned,
 * inside the tables the CRC covers, [header_bytes, data_offset). */
static int check_section(const npu_img_header_t* h, const char* what, uint32_t count,
                         uint32_t offset, uint32_t size) {
    if (count == 0u) return 1;
    const uint64_t end = (uint64_t)offset + (uint64_t)count * size;
    if (offset % NPU_IMG_ALIGN != 0u || offset < h->header_bytes || end > h->data_offset) {
        printf(
            "model: bad image: %s table (%lu x %lu bytes at offset %lu) is outside the "
            "tables [%lu, %lu) or not %u-byte aligned\n",
            what, (unsigned long)count, (unsigned long)size, (unsigned long)offset,
            (unsigned long)h->header_bytes, (unsigned long)h->data_offset, NPU_IMG_ALIGN);
        return 0;
    }
    return 1;
}

static int check_image(const npu_img_header_t* h, uint32_t addr) {
    if (h->version != NPU_IMG_VERSION) {
        printf("model: bad image: version %lu, this firmware reads version %u\n",
               (unsigned long)h->version, NPU_IMG_VERSION);
        return VP_MODEL_EXIT_BAD_IMAGE;
    }
    if (h->header_bytes != sizeof(npu_img_header_t)) {
        printf("model: bad image: header_bytes %lu, expected %u\n", (unsigned long)h->header_bytes,
               (unsigned)sizeof(npu_img_header_t));
        return VP_MODEL_EXIT_BAD_IMAGE;
    }
    if (h->load_addr != addr) {
        printf("model: bad image: built for load_addr 0x%08lx, found at 0x%08lx\n",
               (unsigned long)h->load_addr, (unsigned long)addr);
        return VP_MODEL_EXIT_BAD_IMAGE;
    }
    if (h->data_offset < h->header_bytes || h->data_offset > h->total_bytes ||
        h->data_offset % 4u != 0u || (uint64_t)h->data_offset + h->data_bytes > h->total_bytes) {
        printf(
            "model: bad image: data section (%lu bytes at offset %lu) outside the image "
            "(%lu bytes)\n",
            (unsigned long)h->data_bytes, (unsigned long)h->data_offset,
            (unsigned long)h->total_bytes);
        return VP_MODEL_EXIT_BAD_IMAGE;
    }
    if (!check_section(h, "tensor", h->tensor_count, h->tensor_offset, sizeof(npu_img_tensor_t)) ||
        !check_section(h, "layer", h->layer_count, h->layer_offset, sizeof(npu_img_layer_t)) ||
        !check_section(h, "descriptor", h->desc_count, h->desc_offset, NPU_DESC_SIZE) ||
        !check_section(h, "program op", h->op_count, h->op_offset, sizeof(npu_prog_op_t)) ||
        !check_section(h, "CPU step", h->step_count, h->step_offset, sizeof(npu_cpu_step_t)) ||
        !check_section(h, "patch", h->patch_count, h->patch_offset, sizeof(npu_patch_t)))
        return VP_MODEL_EXIT_BAD_IMAGE;
    if ((uint64_t)h->call_first + h->call_count > h->op_count ||
        (uint64_t)h->irq_first + h->irq_count > h->op_count) {
        printf(
            "model: bad image: programs (call ops %lu+%lu, irq ops %lu+%lu) outside the %lu "
            "ops\n",
            (unsigned long)h->call_first, (unsigned long)h->call_count, (unsigned long)h->irq_first,
            (unsigned long)h->irq_count, (unsigned long)h->op_count);
        return VP_MODEL_EXIT_BAD_IMAGE;
    }
    if ((uint64_t)h->dram_end < (uint64_t)addr + h->total_bytes) {
        printf("model: bad image: dram_end 0x%08lx below the image's end\n",
               (unsigned long)h->dram_end);
        return VP_MODEL_EXIT_BAD_IMAGE;
    }
    const uint32_t in = h->input_header_addr;
    if (in % 4u != 0u || in < VP_DRAM_BASE ||
        ((uint64_t)in + sizeof(npu_input_header_t) > addr &&
         in < (uint64_t)addr + h->total_bytes)) {
        printf(
            "model: bad image: input header address 0x%08lx is unaligned, outside DRAM or "
            "inside the image\n",
            (unsigned long)in);
        return VP_MODEL_EXIT_BAD_IMAGE;
    }
    return VP_MODEL_EXIT_OK;
}

/* CRC-32 of model_image.h, table-driven: the 256 entries come from the shared
 * bitwise npu_crc32_update (T[b] is its 8 steps on b alone), then one lookup
 * per byte instead of eight shifts. */
static uint32_t crc32_tables(const uint8_t* p, uint32_t n) {
    static uint32_t table[256];
    for (uint32_t i = 0; i < 256u; ++i) {
        const uint8_t b = (uint8_t)i;
        table[i] = ~npu_crc32_update(0xFFFFFFFFu, &b, 1u);
    }
    uint32_t crc = 0xFFFFFFFFu;
    for (const uint8_t* end = p + n; p < end; ++p)
        crc = table[(crc ^ *p) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

/* The tables, [header_bytes, data_offset) of the image: copied to SRAM when
 * the heap has room (the CPU reads DRAM one word per access at the DRAM's
 * latency; every later read of a table is then an SRAM access), else read in
 * place. Returns them, or NULL when meta_crc32 does not match. */
static const uint8_t* load_tables(const npu_img_header_t* h, const uint8_t* image) {
    const uint32_t bytes = h->data_offset - h->header_bytes;
    const uint8_t* tables = image + h->header_bytes;
    uint8_t* copy = bytes ? malloc(bytes) : NULL;
    if (copy) {
        copy_words(copy, tables, bytes); /* both 64-byte aligned, whole words */
        tables = copy;
    }
    const uint32_t crc = crc32_tables(tables, bytes);
    if (crc != h->meta_crc32) {
        printf("model: bad image: meta_crc32 0x%08lx, the tables give 0x%08lx\n",
               (unsigned long)h->meta_crc32, (unsigned long)crc);
        return NULL;
    }
    return tables;
}

static int read_input(struct model* m) {
    const npu_img_header_t* h = m->h;
    const npu_input_header_t* in = (const npu_input_header_t*)(uintptr_t)h->input_header_addr;
    if (in->magic != NPU_INPUT_MAGIC) {
        printf(
            "model: bad input header at 0x%08lx: magic 0x%08lx (the platform writes it "
            "before the run)\n",
            (unsigned long)h->input_header_addr, (unsigned long)in->magic);
        return VP_MODEL_EXIT_BAD_INPUT;
    }
    m->control = in->control;
    m->completion = in->completion;
    m->flags = in->flags;
    if (m->control > NPU_RUN_CONTROL_CALL || m->completion > NPU_RUN_COMPLETION_POLL ||
        (m->flags & ~NPU_RUN_F_IRQ_PER_LAYER) != 0u) {
        printf("model: bad input header: control %lu, completion %lu, flags 0x%lx\n",
               (unsigned long)m->control, (unsigned long)m->completion, (unsigned long)m->flags);
        return VP_MODEL_EXIT_BAD_INPUT;
    }
    m->seq_len = in->seq_len ? in->seq_len : h->seq_len_default;
    if (in->seq_len != 0u && (h->seq_len_max == 0u || in->seq_len > h->seq_len_max)) {
        if (h->seq_len_max == 0u)
            printf(
                "model: bad input header: seq_len %lu, but the model has no run-time "
                "sequence length\n",
                (unsigned long)in->seq_len);
        else
            printf("model: bad input header: seq_len %lu outside 1..%lu\n",
                   (unsigned long)in->seq_len, (unsigned long)h->seq_len_max);
        return VP_MODEL_EXIT_BAD_INPUT;
    }
    return VP_MODEL_EXIT_OK;
}

static int bad_program(uint32_t op, const char* why, uint32_t value) {
    printf("model: bad program: op %lu: %s (%lu)\n", (unsigned long)op, why, (unsigned long)value);
    return VP_MODEL_EXIT_BAD_PROGRAM;
}

/* The patches of op `i`, applied to an object of `size` bytes inside a loop
 * nest of `depth`: in the table, 2 or 4 bytes wide, aligned, inside the object,
 * from an enclosing loop or the sequence length. */
static int check_patches(const struct model* m, uint32_t i, uint32_t size, uint32_t depth) {
    const npu_prog_op_t* op = &m->ops[i];
    if ((uint64_t)op->patch_first + op->patch_count > m->h->patch_count)
        return bad_program(i, "patches outside the patch table, first", op->patch_first);
    for (uint32_t k = 0; k < op->patch_count; ++k) {
        const npu_patch_t* p = &m->patches[op->patch_first + k];
        if ((p->width != 2u && p->width != 4u) || p->offset % p->width != 0u ||
            (uint32_t)p->offset + p->width > size)
            return bad_program(i, "patch of a bad width, alignment or offset; offset", p->offset);
        if (p->source != NPU_PATCH_SEQ_LEN && p->source >= depth)
            return bad_program(i, "patch from a loop depth outside the nest", p->source);
    }
    return VP_MODEL_EXIT_OK;
}

/* The kinds npu_cpu_step_run (npu_abi/cpu_ops.h) and npu_rnn_step_run
 * (npu_abi/rnn.h) run. */
static int step_supported(uint32_t kind) {
    switch (kind) {
        case NPU_STEP_COPY:
        case NPU_STEP_TRANSPOSE:
        case NPU_STEP_SOFTMAX:
        case NPU_STEP_LRN:
            return 1;
        case NPU_STEP_LSTM_CELL:
        case NPU_STEP_GRU_CELL:
        case NPU_STEP_ATTN_SOFTMAX:
            return VP_MODEL_HAS_RNN;
        default:
            return 0;
    }
}

static int check_step(const struct model* m, uint32_t i) {
    const npu_prog_op_t* op = &m->ops[i];
    if (op->arg0 >= m->h->step_count) return bad_program(i, "CPU step out of range", op->arg0);
    const uint32_t kind = m->steps[op->arg0].kind;
    if (!step_supported(kind)) {
        printf("model: CPU step %lu (op %lu): kind %lu is not supported by this firmware\n",
               (unsigned long)op->arg0, (unsigned long)i, (unsigned long)kind);
        return VP_MODEL_EXIT_CPU_STEP;
    }
    return VP_MODEL_EXIT_OK;
}

/* Walks program [first, first + count) once: every op valid for the mode,
 * every index in its table, loops balanced and at most NPU_LOOP_MAX_DEPTH deep
 * with a trip count >= 1. The run then trusts the program. */
static int check_program(const struct model* m, uint32_t first, uint32_t count, int call) {
    uint32_t depth = 0;
    int st;
    for (uint32_t i = first; i < first + count; ++i) {
        const npu_prog_op_t* op = &m->ops[i];
        switch (op->opcode) {
            case NPU_PROG_END:
                i = first + count;
                continue;
            case NPU_PROG_KERNEL:
                if (!call) return bad_program(i, "KERNEL in the irq program", op->opcode);
                if (op->arg0 >= m->h->desc_count)
                    return bad_program(i, "descriptor out of range", op->arg0);
                if ((st = check_patches(m, i, NPU_DESC_SIZE, depth)) != 0) return st;
                break;
            case NPU_PROG_LIST:
                if (call) return bad_program(i, "LIST in the call program", op->opcode);
                if (op->arg1 == 0u || (uint64_t)op->arg0 + op->arg1 > m->h->desc_count)
                    return bad_program(i, "descriptor list out of range, count", op->arg1);
                if (op->patch_count) return bad_program(i, "patches on a LIST", op->patch_count);
                break;
            case NPU_PROG_CPU:
                if ((st = check_step(m, i)) != 0) return st;
                if ((st = check_patches(m, i, sizeof(npu_cpu_step_t), depth)) != 0) return st;
                break;
            case NPU_PROG_LOOP:
                if (!call) return bad_program(i, "LOOP in the irq program", op->opcode);
                if (depth == NPU_LOOP_MAX_DEPTH)
                    return bad_program(i, "loops nested deeper than", NPU_LOOP_MAX_DEPTH);
                if (op->arg0 == NPU_LOOP_CONST) {
                    if (op->arg1 == 0u) return bad_program(i, "loop trip count", 0);
                } else if (op->arg0 == NPU_LOOP_SEQ_LEN) {
                    if (m->seq_len == 0u || m->seq_len > op->arg1)
                        return bad_program(i, "sequence loop of maximum", op->arg1);
                } else {
                    return bad_program(i, "unknown loop kind", op->arg0);
                }
                ++depth;
                break;
            case NPU_PROG_ENDLOOP:
                if (depth == 0u) return bad_program(i, "ENDLOOP without LOOP", 0);
                --depth;
                break;
            default:
                return bad_program(i, "unknown opcode", op->opcode);
        }
    }
    if (depth != 0u) return bad_program(first + count, "loops left open at the end", depth);
    return VP_MODEL_EXIT_OK;
}

/* ---- running ---- */

static void apply_patches(const struct model* m, const npu_prog_op_t* op, uint8_t* obj,
                          const struct loop* loops) {
    const npu_patch_t* p = &m->patches[op->patch_first];
    for (uint32_t k = 0; k < op->patch_count; ++k, ++p)
        npu_patch_apply(obj, p,
                        p->source == NPU_PATCH_SEQ_LEN ? m->seq_len : loops[p->source].index);
}

/* Runs a CPU step on the model's DRAM [VP_DRAM_BASE, dram_end): the shared
 * functions check every range against it. */
static int run_step(const struct model* m, const npu_cpu_step_t* s, uint32_t index) {
    uint8_t* const dram = (uint8_t*)(uintptr_t)VP_DRAM_BASE;
    const uint32_t span = m->h->dram_end - VP_DRAM_BASE;
    int err = npu_cpu_step_run(s, dram, VP_DRAM_BASE, span);
#if VP_MODEL_HAS_RNN
    if (err == NPU_CPU_ERR_KIND) err = npu_rnn_step_run(s, dram, VP_DRAM_BASE, span);
#endif
    if (err == NPU_CPU_OK) return VP_MODEL_EXIT_OK;
    printf("model: CPU step %lu (kind %u, layer %u) failed: %s\n", (unsigned long)index,
           (unsigned)s->kind, (unsigned)s->layer,
           err == NPU_CPU_ERR_ADDR    ? "an address range outside the model's DRAM or misaligned"
           : err == NPU_CPU_ERR_PARAM ? "a size, shift or table out of range"
                                      : "unknown kind");
    return VP_MODEL_EXIT_CPU_STEP;
}

static int cpu_op(struct model* m, const npu_prog_op_t* op, const struct loop* loops) {
    const npu_cpu_step_t* s = &m->steps[op->arg0];
    npu_cpu_step_t copy;
    if (op->patch_count) {
        copy_words(&copy, s, sizeof copy);
        apply_patches(m, op, (uint8_t*)&copy, loops);
        s = &copy;
    }
    ++m->cpu_steps;
    return run_step(m, s, op->arg0);
}

/* One line naming the failing kernel: its descriptor, its layer, the code. */
static int npu_error(const struct model* m, uint32_t status, uint32_t desc, const char* where) {
    const npu_desc_t* d = &m->descs[desc];
    const uint32_t layer = d->kernel_id;
    printf(
        "model: NPU error %lu (npu_regs.h NPU_ERR_*) in kernel %lu (%s, descriptor %lu), "
        "layer %lu '%.48s'\n",
        (unsigned long)NPU_STATUS_ERR(status), (unsigned long)m->launches, where,
        (unsigned long)desc, (unsigned long)layer,
        layer < m->h->layer_count ? m->layers[layer].name : "?");
    return VP_MODEL_EXIT_NPU_ERROR;
}

static int run_irq(struct model* m) {
    const npu_img_header_t* h = m->h;
    const npu_prog_op_t* op = &m->ops[h->irq_first];
    const npu_prog_op_t* end = op + h->irq_count;
    if (m->flags & NPU_RUN_F_IRQ_PER_LAYER) /* one interrupt per kernel: flag them in place */
        for (const npu_prog_op_t* o = op; o < end && o->opcode != NPU_PROG_END; ++o)
            if (o->opcode == NPU_PROG_LIST)
                for (uint32_t k = 0; k < o->arg1; ++k)
                    m->list_descs[o->arg0 + k].flags |= NPU_DESC_F_IRQ;
    for (; op < end && op->opcode != NPU_PROG_END; ++op) {
        fw_step(VP_FW_STEP_OP | (uint32_t)(op - m->ops));
        if (op->opcode == NPU_PROG_CPU) {
            const int st = cpu_op(m, op, NULL);
            if (st) return st;
            continue;
        }
        /* NPU_PROG_LIST (check_program allows nothing else here) */
        const uint32_t before = vp_npu_read(NPU_REG_KERNELS_DONE);
        vp_npu_start_list(&m->list_descs[op->arg0], op->arg1);
        const uint32_t status = vp_npu_wait_irq();
        const uint32_t done = vp_npu_read(NPU_REG_KERNELS_DONE) - before;
        m->launches += done;
        ++m->lists;
        if (status & NPU_STATUS_ERROR) {
            const uint32_t index = vp_npu_read(NPU_REG_KERNEL_INDEX);
            return npu_error(m, status, op->arg0 + index, "list index");
        }
    }
    return VP_MODEL_EXIT_OK;
}

static int run_call(struct model* m) {
    const npu_img_header_t* h = m->h;
    const int poll = m->completion == NPU_RUN_COMPLETION_POLL;
    int irq_stale = 0; /* polled launches leave IRQ_STATUS.DONE set */
    struct loop loops[NPU_LOOP_MAX_DEPTH];
    uint32_t depth = 0;
    const uint32_t end = h->call_first + h->call_count;
    for (uint32_t pc = h->call_first; pc < end; ++pc) {
        const npu_prog_op_t* op = &m->ops[pc];
        fw_step(VP_FW_STEP_OP | pc);
        switch (op->opcode) {
            case NPU_PROG_KERNEL: {
                const npu_desc_t* d = &m->descs[op->arg0];
                npu_desc_t copy;
                const int resident = (op->flags & NPU_PROG_F_RESIDENT_AFTER_FIRST) && depth &&
                                     loops[depth - 1u].index != 0u;
                if (op->patch_count || resident) {
                    copy_words(&copy, d, sizeof copy);
                    apply_patches(m, op, (uint8_t*)&copy, loops);
                    if (resident) copy.flags |= NPU_DESC_F_RESIDENT;
                    d = &copy;
                }
                uint32_t status;
                if (poll && !(op->flags & NPU_PROG_F_IRQ)) {
                    vp_npu_launch_polled(d);
                    status = vp_npu_wait_poll();
                    irq_stale = 1;
                } else {
                    if (irq_stale) vp_npu_clear_irq_status(), irq_stale = 0;
                    vp_npu_launch(d);
                    status = vp_npu_wait_irq();
                }
                if (status & NPU_STATUS_ERROR)
                    return npu_error(m, status, op->arg0, "call program launch");
                ++m->launches;
                break;
            }
            case NPU_PROG_CPU: {
                const int st = cpu_op(m, op, loops);
                if (st) return st;
                break;
            }
            case NPU_PROG_LOOP:
                loops[depth].body = pc + 1u;
                loops[depth].count = op->arg0 == NPU_LOOP_SEQ_LEN ? m->seq_len : op->arg1;
                loops[depth].index = 0;
                ++depth;
                break;
            case NPU_PROG_ENDLOOP: {
                struct loop* l = &loops[depth - 1u];
                if (++l->index < l->count)
                    pc = l->body - 1u; /* the loop's ++pc lands on the body */
                else
                    --depth;
                break;
            }
            default: /* NPU_PROG_END: check_program allows nothing else */
                return VP_MODEL_EXIT_OK;
        }
    }
    return VP_MODEL_EXIT_OK;
}

static const char* control_name(uint32_t control) {
    return control == NPU_RUN_CONTROL_CALL ? "call" : "irq";
}

int vp_model_run(const npu_img_header_t* image) {
    fw_step(VP_FW_STEP_CHECK);
    const uint32_t addr = (uint32_t)(uintptr_t)image;
    /* The header in SRAM: the run reads its fields often. */
    static npu_img_header_t header;
    copy_words(&header, image, sizeof header);
    const npu_img_header_t* h = &header;
    int st = check_image(h, addr);
    if (st) return fail(st);
    const uint8_t* tables = load_tables(h, (const uint8_t*)image);
    if (!tables) return fail(VP_MODEL_EXIT_BAD_CRC);
    tables -= h->header_bytes; /* so that an image offset indexes it */
    struct model m;
    memset(&m, 0, sizeof m);
    m.h = h;
    m.layers = (const npu_img_layer_t*)(tables + h->layer_offset);
    m.descs = (const npu_desc_t*)(tables + h->desc_offset);
    m.list_descs = (npu_desc_t*)(uintptr_t)(addr + h->desc_offset);
    m.ops = (const npu_prog_op_t*)(tables + h->op_offset);
    m.steps = (const npu_cpu_step_t*)(tables + h->step_offset);
    m.patches = (const npu_patch_t*)(tables + h->patch_offset);
    if ((st = read_input(&m)) != 0) return fail(st);
    const int call = m.control == NPU_RUN_CONTROL_CALL;
    if (!call && h->irq_count == 0u) {
        printf("model: '%.48s' needs run-time control (sequence loops): use --control call\n",
               h->name);
        return fail(VP_MODEL_EXIT_NEEDS_CALL);
    }
    if ((st = check_program(&m, call ? h->call_first : h->irq_first,
                            call ? h->call_count : h->irq_count, call)) != 0)
        return fail(st);
    printf("model: '%.48s', %lu layers, %lu descriptors, control %s", h->name,
           (unsigned long)h->layer_count, (unsigned long)h->desc_count, control_name(m.control));
    if (call) printf(", completion %s", m.completion == NPU_RUN_COMPLETION_POLL ? "poll" : "irq");
    if (!call && (m.flags & NPU_RUN_F_IRQ_PER_LAYER)) printf(", irq per layer");
    if (h->seq_len_max) printf(", seq_len %lu", (unsigned long)m.seq_len);
    printf("\n");

    vp_npu_init();
    const uint64_t cycles0 = vp_npu_counter(NPU_REG_CYCLES_LO);
    const uint32_t irqs0 = vp_npu_irqs;
    st = call ? run_call(&m) : run_irq(&m);
    if (st) return fail(st);
    fw_step(VP_FW_STEP_DONE);
    const uint64_t cycles = vp_npu_counter(NPU_REG_CYCLES_LO) - cycles0;
    printf("model: done: %lu kernels", (unsigned long)m.launches);
    if (!call) printf(" in %lu lists", (unsigned long)m.lists);
    printf(", %lu CPU steps, %lu NPU interrupts, %llu NPU cycles\n", (unsigned long)m.cpu_steps,
           (unsigned long)(vp_npu_irqs - irqs0), (unsigned long long)cycles);
    return VP_MODEL_EXIT_OK;
}
