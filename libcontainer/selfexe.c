/* Re-executing husk from a sealed memfd copy of itself; see selfexe.h.
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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "selfexe.h"
#include "utils.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: executable even with vm.memfd_noexec=1 */
#endif

#define WANT_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool is_sealed(int fd)
{
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & WANT_SEALS) == WANT_SEALS;
}

static int make_memfd(void)
{
  int fd = memfd_create("husk", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) /* a kernel before 6.3 */
    fd = memfd_create("husk", MFD_CLOEXEC | MFD_ALLOW_SEALING);
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

int hk_selfexe_ensure_sealed(char **argv, hk_error_t **err)
{
  _cleanup_close_ int exe = -1, mfd = -1;
  const char *mark = getenv(HK_SELFEXE_ENV);
  struct stat st;

  exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return hk_error_make(err, errno, "protect the husk binary: open /proc/self/exe");
  if (is_sealed(exe)) {
    unsetenv(HK_SELFEXE_ENV);
    return 0;
  }
  if (mark)
    return hk_error_plain(err, EINVAL,
                          "protect the husk binary: re-executed from a sealed copy, but "
                          "/proc/self/exe is not sealed (is %s set in the environment?)",
                          HK_SELFEXE_ENV);
  if (fstat(exe, &st) < 0)
    return hk_error_make(err, errno, "protect the husk binary: stat /proc/self/exe");
  mfd = make_memfd();
  if (mfd < 0)
    return hk_error_make(err, errno, "protect the husk binary: memfd_create");
  if (copy_all(mfd, exe, exec_size(exe, st.st_size)) < 0)
    return hk_error_make(err, errno, "protect the husk binary: copy it into a memfd");
  if (fcntl(mfd, F_ADD_SEALS, WANT_SEALS) < 0)
    return hk_error_make(err, errno, "protect the husk binary: seal the memfd");
  if (setenv(HK_SELFEXE_ENV, "1", 1) < 0)
    return hk_error_make(err, errno, "protect the husk binary: setenv");
  syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
  hk_error_make(err, errno, "protect the husk binary: execute the sealed copy");
  unsetenv(HK_SELFEXE_ENV);
  return -1;
}
