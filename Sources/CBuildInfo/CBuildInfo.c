#if defined(__linux__)
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#endif
#include "CBuildInfo.h"

int kernelgen_c_targets_optimized(void) {
#ifdef __OPTIMIZE__
    return 1;
#else
    return 0;
#endif
}

#if defined(__linux__)
struct kernelgen_build_id_search {
    uintptr_t address;
    unsigned char *out;
    int capacity;
    int length;
};

/* The GNU build-id note of the loaded object whose PT_LOAD segments hold `search->address`. */
static int kernelgen_build_id_visit(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct kernelgen_build_id_search *search = data;
    int holds = 0;
    for (int i = 0; i < info->dlpi_phnum && !holds; ++i) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + segment->p_vaddr;
        holds = segment->p_type == PT_LOAD && search->address >= start && search->address < start + segment->p_memsz;
    }
    if (!holds) return 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if (segment->p_type != PT_NOTE) continue;
        size_t align = segment->p_align == 8 ? 8 : 4;
        const unsigned char *note = (const unsigned char *)(info->dlpi_addr + segment->p_vaddr);
        const unsigned char *end = note + segment->p_memsz;
        while (note + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *header = (const ElfW(Nhdr) *)note;
            const unsigned char *name = note + sizeof(ElfW(Nhdr));
            const unsigned char *desc = name + ((header->n_namesz + align - 1) & ~(align - 1));
            const unsigned char *next = desc + ((header->n_descsz + align - 1) & ~(align - 1));
            if (next > end) break;
            if (header->n_type == NT_GNU_BUILD_ID && header->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                int length = header->n_descsz < (ElfW(Word))search->capacity ? (int)header->n_descsz : search->capacity;
                memcpy(search->out, desc, (size_t)length);
                search->length = length;
                return 1;
            }
            note = next;
        }
    }
    return 1; /* the object holding the address has no build-id */
}
#endif

#if defined(__linux__)
/* The address searched for: a static, so no other object's symbol can stand in for it (an exported function's
   address may resolve to another loaded copy's). */
static const char kernelgen_build_id_anchor = 0;
#endif

int kernelgen_build_id(unsigned char *out, int capacity) {
#if defined(__linux__)
    if (!out || capacity <= 0) return 0;
    struct kernelgen_build_id_search search = {(uintptr_t)&kernelgen_build_id_anchor, out, capacity, 0};
    dl_iterate_phdr(kernelgen_build_id_visit, &search);
    return search.length;
#else
    (void)out;
    (void)capacity;
    return 0;
#endif
}
