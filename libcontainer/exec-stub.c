/* husk's exec stub: a freestanding static program of a few hundred bytes,
 * built apart from husk (no libc, no sanitizers) and embedded in it.
 *
 * The last step of a container's process is an execve() made by a process
 * that is still a copy of husk; were /proc/self/exe then the host's husk
 * binary, a "#!/proc/self/exe" program in the container could reopen that
 * binary and overwrite it (CVE-2019-5736).  Rather than re-executing all of
 * husk from a sealed copy before every start (0.6 ms: a second dynamic
 * load), husk runs this stub from a sealed memfd, and the stub makes the
 * real execve(): what the container's program can reach through
 * /proc/self/exe is then the sealed stub, never husk.  See selfexe.h for
 * when husk uses it and when it still re-executes itself.
 *
 * Its command line, made by hk_selfexe_exec():
 *
 *   argv[0]  how to report a failed execve, after an "r" when husk turned
 *            address randomization off for the stub's own exec (the
 *            stub turns it on again first):
 *            "-"       not at all (exit status 127 says it)
 *            "sFD"     a sync message on descriptor FD (sync.h: EXEC_ERRNO,
 *                      code errno, payload the path)
 *            "lFD"     a log line on descriptor FD: argv[1] with its last
 *                      "%E" replaced by the error's text
 *   argv[1]  the log line for "l", else empty
 *   argv[2]  the path to execute
 *   argv[3]  the program's own argv[0], and the rest of its arguments
 *
 * The report descriptor is inherited without close-on-exec; the stub sets
 * the flag before the execve, so the program never sees it.  Anything else
 * (the stub run as "#!/proc/self/exe" by a hostile program, say): exit 127.
 */
#include <asm/unistd.h>
#include <stddef.h>

#define SYNC_EXEC_ERRNO 12 /* enum hk_sync_msg in sync.h */
#define F_SETFD_ 2
#define ADDR_NO_RANDOMIZE_ 0x0040000
#define FD_CLOEXEC_ 1

#if defined(__x86_64__)
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  xor %rbp, %rbp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call stub_main\n"
        "  hlt\n");

static long sys3(long n, long a, long b, long c)
{
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
#elif defined(__aarch64__)
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  mov x0, sp\n"
        "  bl stub_main\n"
        "  brk #0\n");

static long sys3(long n, long a, long b, long c)
{
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
#else
#error "the exec stub supports x86_64 and aarch64 (configure disables it elsewhere)"
#endif

static __attribute__((noreturn)) void quit(int status)
{
  for (;;)
    sys3(__NR_exit_group, status, 0, 0);
}

static size_t len(const char *s)
{
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

/* glibc's texts for what execve() fails with, so that the report reads as
 * husk's own would: each an errno byte, then the text and its NUL.  One
 * array, no pointers: the stub has no relocations and runs wherever the
 * kernel puts it. */
static const char texts[] = "\001Operation not permitted\0"
                            "\002No such file or directory\0"
                            "\007Argument list too long\0"
                            "\010Exec format error\0"
                            "\014Cannot allocate memory\0"
                            "\015Permission denied\0"
                            "\024Not a directory\0"
                            "\025Is a directory\0"
                            "\026Invalid argument\0"
                            "\032Text file busy\0"
                            "\044File name too long\0"
                            "\050Too many levels of symbolic links\0"
                            "\120Accessing a corrupted shared library\0";

static size_t len(const char *s);

static const char *error_text(long e, char *buf)
{
  char *p = buf + 24;

  for (const char *t = texts; t < texts + sizeof texts - 1; t += len(t) + 1)
    if ((unsigned char)t[0] == e)
      return t + 1;
  *--p = '\0';
  do
    *--p = (char)('0' + e % 10);
  while ((e /= 10) > 0 && p > buf + 6);
  for (int i = 5; i >= 0; i--)
    *--p = "error "[i];
  return p;
}

/* What the compiler may call for the copies and clearing below. */
__attribute__((used)) void *memcpy(void *d, const void *s, size_t n)
{
  char *dc = d;
  const char *sc = s;
  while (n--)
    *dc++ = *sc++;
  return d;
}

__attribute__((used)) void *memset(void *d, int c, size_t n)
{
  char *dc = d;
  while (n--)
    *dc++ = (char)c;
  return d;
}

static void put(long fd, const char *s, size_t n)
{
  while (n > 0) {
    long w = sys3(__NR_write, fd, (long)s, (long)n);
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

static void report(char kind, long fd, const char *line, const char *path, long e)
{
  char buf[24];
  const char *text = error_text(e, buf);

  if (kind == 's') {
    /* struct hk_sync_hdr, then the path: one SOCK_SEQPACKET message. */
    struct {
      unsigned int type;
      int code;
      unsigned int len;
      char path[4096];
    } m;
    size_t n = len(path);
    if (n > sizeof m.path)
      n = sizeof m.path;
    m.type = SYNC_EXEC_ERRNO;
    m.code = (int)e;
    m.len = (unsigned int)n;
    memcpy(m.path, path, n);
    sys3(__NR_write, fd, (long)&m, (long)(12 + n));
  } else if (kind == 'l') {
    size_t n = len(line), at = n;
    for (size_t i = 0; i + 1 < n; i++)
      if (line[i] == '%' && line[i + 1] == 'E')
        at = i;
    put(fd, line, at);
    if (at < n) {
      put(fd, text, len(text));
      put(fd, line + at + 2, n - at - 2);
    }
  }
}

__attribute__((used, noreturn)) void stub_main(long *sp)
{
  long argc = sp[0], fd = -1;
  char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
  const char *how;
  int layout;
  char kind;
  long e = 0;

  if (argc < 4 || argv[0] == NULL)
    quit(127);
  layout = argv[0][0] == 'r';
  how = argv[0] + layout;
  kind = how[0];
  if (kind != '-' && kind != 's' && kind != 'l')
    quit(127);
  if (kind != '-') {
    const char *d = how + 1;
    if (*d == '\0')
      quit(127);
    for (fd = 0; *d; d++) {
      if (*d < '0' || *d > '9' || fd > 65535)
        quit(127);
      fd = fd * 10 + (*d - '0');
    }
    /* Never left to the program: if the flag cannot be set, no report. */
    if (sys3(__NR_fcntl, fd, F_SETFD_, FD_CLOEXEC_) < 0) {
      sys3(__NR_close, fd, 0, 0);
      kind = '-';
    }
  }
  if (layout) {
    /* husk turned address randomization off for this exec only (see
     * selfexe.c): on again for the program's, or no program at all. */
    long p = sys3(__NR_personality, 0xffffffffL, 0, 0);
    e = p < 0 ? -p : -sys3(__NR_personality, p & ~ADDR_NO_RANDOMIZE_, 0, 0);
  }
  if (e <= 0)
    e = -sys3(__NR_execve, (long)argv[2], (long)(argv + 3), (long)envp);
  if (kind != '-')
    report(kind, fd, argv[1], argv[2], e);
  quit(127);
}
