/* Protecting the husk binary: the exec stub, or re-executing husk from a
 * sealed memfd copy of itself; see selfexe.h.
 *
 * Why a memfd and not a read-only bind mount of the binary (runc 1.1's
 * "bindfd") or an overlayfs (runc 1.2): those need a mount and a detach on
 * every start, in the host's mount namespace or a new private one, which
 * costs more than copying husk's few hundred kilobytes with sendfile() (see
 * the SECURITY section of husk(8) for the figures), and they generate mount
 * events that every mount watcher of the host sees.  A memfd lives only as
 * long as the processes that run from it, so it leaves nothing behind. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "selfexe.h"
#include "sync.h"
#include "utils.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: executable even with vm.memfd_noexec=1 */
#endif

#define WANT_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static char **saved_argv;
static int stub_fd = -1;

#ifdef HAVE_EXEC_STUB
/* exec-stub.c, built by the Makefile into bytes. */
static const unsigned char exec_stub[] = {
#include "libcontainer/exec-stub.inc"
};
/* The message type the stub writes is hard-coded there. */
_Static_assert(HK_SYNC_EXEC_ERRNO == 12, "exec-stub.c: SYNC_EXEC_ERRNO");
#endif

void hk_selfexe_save_argv(char **argv)
{
  saved_argv = argv;
}

static bool is_sealed(int fd)
{
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & WANT_SEALS) == WANT_SEALS;
}

static int make_memfd(const char *name)
{
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) /* a kernel before 6.3 */
    fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

static int copy_all(int dst, int src, off_t size)
{
  off_t done = 0;

  while (done < size) {
    ssize_t n = sendfile(dst, src, NULL, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n == 0 ? (errno = EIO, -1) : -1;
    done += n;
  }
  return 0;
}

/* How many leading bytes of the executable execve() needs: up to the end of
 * the last segment the program headers describe.  What follows (section
 * headers, symbols, debug information: two thirds of a husk built with -g)
 * is never read by the kernel or the dynamic loader, so it need not be
 * copied.  Anything unexpected in the headers: the whole file. */
static off_t exec_size(int fd, off_t file_size)
{
  ElfW(Ehdr) eh;
  ElfW(Phdr) ph[64];
  ssize_t len;
  off_t end;

  if (pread(fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      eh.e_phentsize != sizeof ph[0] || eh.e_phnum == 0 || eh.e_phnum > HK_ARRAY_SIZE(ph))
    return file_size;
  len = (ssize_t) (eh.e_phnum * sizeof ph[0]);
  if (pread(fd, ph, len, (off_t) eh.e_phoff) != len)
    return file_size;
  end = (off_t) eh.e_phoff + len;
  for (unsigned i = 0; i < eh.e_phnum; i++)
    if (ph[i].p_offset + ph[i].p_filesz > (ElfW(Off)) end)
      end = (off_t) (ph[i].p_offset + ph[i].p_filesz);
  return end > file_size ? file_size : end;
}

static int reexec(int exe, hk_error_t **err)
{
  _cleanup_close_ int mfd = -1;
  struct stat st;

  if (saved_argv == NULL)
    return hk_error_plain(err, EINVAL, "protect the husk binary: no command line to re-execute");
  if (fstat(exe, &st) < 0)
    return hk_error_make(err, errno, "protect the husk binary: stat /proc/self/exe");
  mfd = make_memfd("husk");
  if (mfd < 0)
    return hk_error_make(err, errno, "protect the husk binary: memfd_create");
  if (copy_all(mfd, exe, exec_size(exe, st.st_size)) < 0)
    return hk_error_make(err, errno, "protect the husk binary: copy it into a memfd");
  if (fcntl(mfd, F_ADD_SEALS, WANT_SEALS) < 0)
    return hk_error_make(err, errno, "protect the husk binary: seal the memfd");
  if (setenv(HK_SELFEXE_ENV, "1", 1) < 0)
    return hk_error_make(err, errno, "protect the husk binary: setenv");
  syscall(SYS_execveat, mfd, "", saved_argv, environ, AT_EMPTY_PATH);
  hk_error_make(err, errno, "protect the husk binary: execute the sealed copy");
  unsetenv(HK_SELFEXE_ENV);
  return -1;
}

#ifdef HAVE_EXEC_STUB
static int load_stub(hk_error_t **err)
{
  _cleanup_close_ int fd = make_memfd("husk-stub");

  if (fd < 0)
    return hk_error_make(err, errno, "protect the husk binary: memfd_create");
  if (hk_write_all(fd, exec_stub, sizeof exec_stub) < 0)
    return hk_error_make(err, errno, "protect the husk binary: write the exec stub");
  if (fcntl(fd, F_ADD_SEALS, WANT_SEALS) < 0)
    return hk_error_make(err, errno, "protect the husk binary: seal the exec stub");
  stub_fd = steal_fd(&fd);
  return 0;
}
#endif

int hk_selfexe_protect(const char *unfit, hk_error_t **err)
{
  _cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

  if (exe < 0)
    return hk_error_make(err, errno, "protect the husk binary: open /proc/self/exe");
  if (is_sealed(exe)) {
    unsetenv(HK_SELFEXE_ENV);
    return 0;
  }
  if (getenv(HK_SELFEXE_ENV))
    return hk_error_plain(err, EINVAL,
                          "protect the husk binary: re-executed from a sealed copy, but "
                          "/proc/self/exe is not sealed (is %s set in the environment?)",
                          HK_SELFEXE_ENV);
#ifdef HAVE_EXEC_STUB
  if (unfit == NULL)
    return stub_fd >= 0 ? 0 : load_stub(err);
#else
  if (unfit == NULL)
    unfit = "no exec stub for this architecture";
#endif
  hk_debug("re-executing from a sealed copy of husk: %s", unfit);
  return reexec(exe, err);
}

/* Capability names are case-insensitive (caps.c). */
static bool strv_has_cap(const struct hk_strv *sv, const char *cap)
{
  for (size_t i = 0; i < sv->len; i++)
    if (strcasecmp(sv->v[i], cap) == 0)
      return true;
  return false;
}

/* Without a capabilities object the process keeps husk's own: all. */
static bool may_ptrace(const struct hk_process *p)
{
  const struct hk_capabilities *c = &p->capabilities;
  return !p->has_capabilities || strv_has_cap(&c->bounding, "CAP_SYS_PTRACE") ||
         strv_has_cap(&c->permitted, "CAP_SYS_PTRACE") ||
         strv_has_cap(&c->inheritable, "CAP_SYS_PTRACE") ||
         strv_has_cap(&c->ambient, "CAP_SYS_PTRACE");
}

static bool permitted_beyond_ambient(const struct hk_process *p)
{
  const struct hk_capabilities *c = &p->capabilities;
  if (!p->has_capabilities)
    return true;
  for (size_t i = 0; i < c->permitted.len; i++)
    if (!strv_has_cap(&c->ambient, c->permitted.v[i]))
      return true;
  return false;
}

static bool strv_has(const struct hk_strv *sv, const char *s)
{
  for (size_t i = 0; i < sv->len; i++)
    if (strcmp(sv->v[i], s) == 0)
      return true;
  return false;
}

static bool action_allows(const char *a)
{
  return a && (strcmp(a, "SCMP_ACT_ALLOW") == 0 || strcmp(a, "SCMP_ACT_LOG") == 0);
}

/* Whether the profile lets `name` through whatever its arguments: named
 * only by rules that allow it without conditions, or not named at all and
 * allowed by default. */
static bool seccomp_allows(const struct hk_seccomp *s, const char *name)
{
  bool named = false;
  for (size_t i = 0; i < s->syscalls_len; i++) {
    const struct hk_seccomp_syscall *r = &s->syscalls[i];
    if (!strv_has(&r->names, name))
      continue;
    if (!action_allows(r->action) || r->args_len > 0)
      return false;
    named = true;
  }
  return named || action_allows(s->default_action);
}

const char *hk_selfexe_stub_unfit(const struct hk_process *p, const struct hk_process *owner,
                                  const struct hk_seccomp *seccomp, bool userns, bool own_pidns)
{
  if (!userns && !own_pidns)
    return "a PID namespace shared with other processes, without a user namespace";
  if (p->selinux_label && p->selinux_label[0])
    return "the process has an SELinux label";
  if (p->apparmor_profile && p->apparmor_profile[0])
    return "the process has an AppArmor profile";
  if (!userns && (may_ptrace(p) || (owner && may_ptrace(owner))))
    return "CAP_SYS_PTRACE without a user namespace";
  if (p->user.uid != 0 && permitted_beyond_ambient(p))
    return "a user other than root with permitted capabilities beyond its ambient ones";
  if (seccomp && !(seccomp_allows(seccomp, "execveat") && seccomp_allows(seccomp, "fcntl")))
    return "the seccomp profile may refuse execveat or fcntl";
  return NULL;
}

void hk_selfexe_prepare(struct hk_selfexe_exec *x, char report, int report_fd, const char *line,
                        int min_fd, const char *path, char *const argv[], char *const envp[],
                        bool unfiltered)
{
  size_t n = 0;
  int persona = -1, k = 0;

  *x = (struct hk_selfexe_exec){
      .path = path, .argv = argv, .envp = envp, .how = "-", .copy = -1, .persona = -1};
  if (stub_fd < 0)
    return;
  while (argv[n])
    n++;
  x->stub_argv = malloc((n + 4) * sizeof(*x->stub_argv));
  if (x->stub_argv == NULL)
    return; /* a plain execve, then: still better than none */
  if (unfiltered && (persona = personality(0xffffffff)) >= 0 && !(persona & ADDR_NO_RANDOMIZE)) {
    x->persona = persona;
    x->how[k++] = 'r';
  }
  x->how[k] = '-';
  x->how[k + 1] = '\0';
  if (report != '-' && (x->copy = fcntl(report_fd, F_DUPFD, min_fd)) >= 0)
    snprintf(x->how + k, sizeof(x->how) - k, "%c%d", report, x->copy);
  x->stub_argv[0] = x->how;
  x->stub_argv[1] = (char *)(line ? line : "");
  x->stub_argv[2] = (char *)path;
  memcpy(x->stub_argv + 3, argv, (n + 1) * sizeof(*x->stub_argv));
}

void hk_selfexe_exec(struct hk_selfexe_exec *x)
{
  int e;

  if (x->stub_argv) {
    /* Compact layout (selfexe.h); if it cannot be had, the stub must not
     * clear what it did not set. */
    if (x->persona >= 0 && personality(x->persona | ADDR_NO_RANDOMIZE) < 0)
      x->stub_argv[0] = x->how + 1;
    syscall(SYS_execveat, stub_fd, "", x->stub_argv, x->envp, AT_EMPTY_PATH);
  } else {
    execve(x->path, x->argv, x->envp);
  }
  e = errno;
  if (x->persona >= 0)
    personality(x->persona);
  if (x->copy >= 0)
    close(x->copy);
  free(x->stub_argv);
  x->stub_argv = NULL;
  errno = e;
}
