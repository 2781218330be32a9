/* Writing husk's own pages before joining the container's cgroup; see
 * prefault.h. */
#include "config.h"

#include <errno.h>
#include <link.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"

/* The stack below the point of the join that init and exec's joiner use
 * (measured: 8 KiB covers it; more adds faults and saves nothing). */
#define STACK_AHEAD 16384

/* How much of the heap's top chunk init takes after the join (measured:
 * one page; a second costs a fault and saves nothing). */
#define TOP_AHEAD 4096

#define PAGE_DOWN(x) ((x) & ~(uintptr_t) 4095)

extern void *__libc_stack_end; /* the stack pointer at process start */

static void __attribute__((noinline)) touch_stack_ahead(void)
{
  volatile char *buf = __builtin_alloca(STACK_AHEAD);

  for (size_t i = 0; i < STACK_AHEAD; i += 4096)
    buf[i] = 0;
}

/* One page, resident or not. */
__attribute__((no_sanitize_address)) static void touch_page(uintptr_t a)
{
  volatile char *c = (volatile char *) a;
  *c = *c;
}

/* Only resident pages: those are shared with husk and would be copied.  A
 * page never touched would be a fresh zero page whoever writes it first,
 * and touching it here could fault in pages init never uses. */
__attribute__((no_sanitize_address)) static void touch_range(uintptr_t start, uintptr_t end)
{
  uintptr_t first = PAGE_DOWN(start);
  size_t n = (end - first + 4095) / 4096;
  unsigned char vec[256];

  if (n > sizeof(vec) || mincore((void *) first, end - first, vec) < 0)
    return;
  for (size_t k = 0; k < n; k++) {
    volatile char *c = (volatile char *) (k == 0 ? start : first + k * 4096);
    if (vec[k] & 1)
      *c = *c;
  }
}

/* The writable PT_LOAD segments of one loaded object, less its RELRO part,
 * which the dynamic loader made read-only after relocating. */
static int touch_object(struct dl_phdr_info *info, size_t size, void *data)
{
  uintptr_t relro_end = 0;

  (void) size;
  (void) data;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO)
      relro_end = PAGE_DOWN(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr +
                            info->dlpi_phdr[i].p_memsz);
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;

    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
      continue;
    if (start < relro_end)
      start = relro_end;
    if (start < end)
      touch_range(start, end);
  }
  return 0;
}

void hk_prefault_own_pages(void)
{
  volatile char here;
  uintptr_t sp = (uintptr_t) &here;

  touch_stack_ahead();
  /* The callers' frames, up to where the stack began. */
  if ((uintptr_t) __libc_stack_end > sp)
    touch_range(PAGE_DOWN(sp), (uintptr_t) __libc_stack_end);
  dl_iterate_phdr(touch_object, NULL);
  /* The thread's own block (its TCB and static TLS, errno among them),
   * which ld.so mapped apart from any segment. */
  touch_page((uintptr_t) __builtin_thread_pointer());
  touch_page((uintptr_t) &errno);
#ifdef __GLIBC__
  {
    /* The main arena's heap, whose free and used chunks init reuses, and
     * the start of its top chunk, where init's next allocations go:
     * written here even if never yet, as init's first malloc would. */
    struct mallinfo2 mi = mallinfo2();
    uintptr_t brk_end = (uintptr_t) sbrk(0);
    if (mi.arena && brk_end > mi.arena)
      touch_range(brk_end - mi.arena, brk_end);
    if (mi.keepcost && brk_end > mi.keepcost) {
      uintptr_t top = brk_end - mi.keepcost;
      for (uintptr_t a = top; a < brk_end && a < top + TOP_AHEAD; a = PAGE_DOWN(a) + 4096)
        touch_page(a);
    }
  }
#endif
}
