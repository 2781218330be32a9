/* no-openat2 CMD [ARGS...]: run CMD as if the kernel had no openat2(2)
 * (before Linux 5.6), so that husk's path resolution takes its fallback
 * walker.  A seccomp filter makes openat2 fail with ENOSYS for CMD and
 * everything it starts.  Needs CAP_SYS_ADMIN (root) or no_new_privs; as root
 * it does not set no_new_privs, so the container sees no difference but
 * this one. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "add this architecture's AUDIT_ARCH_ value"
#endif

int main(int argc, char **argv)
{
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};

  if (argc < 2) {
    fprintf(stderr, "usage: no-openat2 CMD [ARGS...]\n");
    return 2;
  }
  if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    perror("no-openat2: prctl(PR_SET_NO_NEW_PRIVS)");
    return 1;
  }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
    perror("no-openat2: seccomp");
    return 1;
  }
  execvp(argv[1], argv + 1);
  fprintf(stderr, "no-openat2: exec %s: %s\n", argv[1], strerror(errno));
  return 127;
}
