/* Keeping the runtime's own memory out of the container's memory cgroup.
 *
 * The container's init (and the process `exec` starts) is a fork of husk:
 * it shares husk's pages copy-on-write, and every page it writes after it
 * has joined the container's cgroup is copied there and charged to the
 * container, although it is husk's working memory, gone at execve.  On a
 * tight memory.limit those pages decide whether the container starts. */
#ifndef HK_PREFAULT_H
#define HK_PREFAULT_H

/* Write, while still in the caller's cgroup, to the pages that the rest of
 * init would copy first: the resident pages of the writable segments of
 * husk and its libraries, and the top of the stack.  Costs a few page
 * faults that would otherwise come later; never fails. */
void hk_prefault_own_pages(void);

#endif
