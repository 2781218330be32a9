/* The micro-VM handler's host side, in husk-vm-shim only (see vm.h): the
 * guest kernel and initramfs (husk-vm-prepare), KVM or TCG, the VM's size,
 * the bind mounts the guest must see, and QEMU's command line. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mounts.h"
#include "utils.h"
#include "vm.h"

#ifndef HK_VM_PREPARE_INSTALLED
#define HK_VM_PREPARE_INSTALLED "/usr/local/libexec/husk/husk-vm-prepare"
#endif
#ifndef HK_VM_PREPARE_SRCDIR
#define HK_VM_PREPARE_SRCDIR ""
#endif

#define DEFAULT_VIRTIOFSD  "/usr/lib/qemu/virtiofsd"
#define DEFAULT_CACHE      "/var/cache/husk-vm"
#define MIN_MEM_MIB        256
#define DEFAULT_MEM_MIB    512
#define GUEST_OVERHEAD_MIB 128

void hk_vm_close_from(int lowfd)
{
  if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
    return;
  for (int fd = lowfd; fd < 65536; fd++)
    close(fd);
}

static char *prepare_script(void)
{
  const char *cands[] = {getenv("HUSK_VM_PREPARE"), HK_VM_PREPARE_INSTALLED, HK_VM_PREPARE_SRCDIR};
  for (size_t i = 0; i < HK_ARRAY_SIZE(cands); i++)
    if (cands[i] && *cands[i] && access(cands[i], X_OK) == 0)
      return hk_xstrdup(cands[i]);
  return NULL;
}

#define DEFAULT_PREPARE_TIMEOUT 300 /* s: building the initramfs the first time */

/* Read the prepare script's stdout and stderr until both end, or until
 * deadline (ms on CLOCK_MONOTONIC): false on time out. */
static bool read_prepare(int out, int err, char *obuf, size_t osize, char *ebuf, size_t esize,
                         long deadline)
{
  size_t on = 0, en = 0;
  int fds[2] = {out, err};

  while (fds[0] >= 0 || fds[1] >= 0) {
    struct pollfd p[2] = {{.fd = fds[0], .events = POLLIN}, {.fd = fds[1], .events = POLLIN}};
    struct timespec t;
    long left;

    clock_gettime(CLOCK_MONOTONIC, &t);
    left = deadline - (t.tv_sec * 1000 + t.tv_nsec / 1000000);
    if (left <= 0)
      return false;
    if (poll(p, 2, left) < 0 && errno != EINTR)
      return false;
    for (int i = 0; i < 2; i++) {
      char *buf = i ? ebuf : obuf;
      size_t *n = i ? &en : &on, size = i ? esize : osize;
      char sink[512];
      ssize_t r;
      if (fds[i] < 0 || !p[i].revents)
        continue;
      /* Past what we keep, the rest is read and dropped. */
      r = *n < size - 1 ? read(fds[i], buf + *n, size - 1 - *n) : read(fds[i], sink, sizeof(sink));
      if (r > 0 && *n < size - 1)
        *n += r;
      else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
        fds[i] = -1;
    }
  }
  obuf[on] = ebuf[en] = '\0';
  return true;
}

/* Run husk-vm-prepare (within HUSK_VM_PREPARE_TIMEOUT) and read its
 * "kernel PATH" and "initrd PATH". */
static int prepare_guest(struct hk_vm_host *h, hk_error_t **err)
{
  _cleanup_free_ char *script = prepare_script(), *exe = NULL, *shim = NULL;
  const char *t = getenv("HUSK_VM_PREPARE_TIMEOUT");
  long secs = t && atol(t) > 0 ? atol(t) : DEFAULT_PREPARE_TIMEOUT;
  char out[8192], errbuf[2048];
  int pout[2], perr[2], st = 0;
  struct timespec now;
  size_t en;
  bool done;
  pid_t pid;

  if (script == NULL)
    return hk_error_plain(err, ENOENT,
                          "VM handler: husk-vm-prepare not found (at %s; reinstall husk or set "
                          "HUSK_VM_PREPARE)",
                          HK_VM_PREPARE_INSTALLED);
  /* husk's binary (passed by the husk that execs us) is the guest's
   * /bin/husk, ours its /husk-vm-init. */
  exe = hk_xstrdup(h->husk_exe ? h->husk_exe : "/nonexistent/husk");
  shim = hk_xasprintf("/proc/%d/exe", (int)getpid());
  if (pipe2(pout, O_CLOEXEC) < 0)
    return hk_error_make(err, errno, "VM handler: pipe");
  if (pipe2(perr, O_CLOEXEC) < 0) {
    close(pout[0]);
    close(pout[1]);
    return hk_error_make(err, errno, "VM handler: pipe");
  }
  pid = fork();
  if (pid == 0) {
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    /* A group of its own, so that a time out ends all it started. */
    setpgid(0, 0);
    dup2(nul, 0);
    dup2(pout[1], 1);
    dup2(perr[1], 2);
    hk_vm_close_from(3);
    execl(script, script, exe, shim, (char *)NULL);
    _exit(127);
  }
  close(pout[1]);
  close(perr[1]);
  if (pid > 0)
    setpgid(pid, pid); /* as the child does: whichever runs first */
  if (pid < 0) {
    close(pout[0]);
    close(perr[0]);
    return hk_error_make(err, errno, "VM handler: fork");
  }
  clock_gettime(CLOCK_MONOTONIC, &now);
  done = read_prepare(pout[0], perr[0], out, sizeof(out), errbuf, sizeof(errbuf),
                      now.tv_sec * 1000 + now.tv_nsec / 1000000 + secs * 1000);
  close(pout[0]);
  close(perr[0]);
  if (!done) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (!done)
    return hk_error_plain(err, ETIMEDOUT,
                          "VM handler: %s did not finish within %ld s (HUSK_VM_PREPARE_TIMEOUT)",
                          script, secs);
  for (char *line = out, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    if (strncmp(line, "kernel ", 7) == 0 && !h->kernel)
      h->kernel = hk_xstrdup(line + 7);
    else if (strncmp(line, "initrd ", 7) == 0 && !h->initrd)
      h->initrd = hk_xstrdup(line + 7);
  }
  en = strlen(errbuf);
  while (en && errbuf[en - 1] == '\n')
    errbuf[--en] = '\0';
  if (st != 0 || !h->kernel || !h->initrd) {
    const char *msg = strrchr(errbuf, '\n') ? strrchr(errbuf, '\n') + 1 : errbuf;
    if (strncmp(msg, "husk-vm-prepare: ", 17) == 0)
      msg += 17;
    return hk_error_plain(err, ENOENT, "VM handler: %s", *msg ? msg : "husk-vm-prepare failed");
  }
  if (en)
    hk_warn("%s", errbuf);
  return 0;
}

/* KVM is used only when a guest really boots with it: some hosts have a
 * /dev/kvm that runs a few instructions but cannot boot a stock kernel.
 * The probe boots the guest kernel until it prints its banner on the
 * serial port (milliseconds with working KVM) and the verdict is cached per
 * kernel and QEMU. */
static bool kvm_probe(const struct hk_vm_host *h, const char **why)
{
  const char *force = getenv("HUSK_VM_ACCEL");
  _cleanup_free_ char *key = NULL, *cache = NULL, *verdict = NULL;
  struct stat kst, qst;
  size_t len;
  bool ok = false;
  int pfd[2];
  pid_t pid;

  *why = "HUSK_VM_ACCEL=tcg";
  if (force && strcmp(force, "tcg") == 0)
    return false;
  if (force && strcmp(force, "kvm") == 0)
    return true;
  *why = "no usable /dev/kvm";
  if (access("/dev/kvm", R_OK | W_OK) < 0)
    return false;
  if (stat(h->kernel, &kst) < 0 || stat(h->qemu, &qst) < 0)
    return false;
  *why = "KVM did not boot the guest kernel (probe)";
  key = hk_xasprintf("%llx-%llx-%llx", (unsigned long long)kst.st_ino,
                     (unsigned long long)kst.st_mtime, (unsigned long long)qst.st_mtime);
  cache = hk_xasprintf("%s/kvm-probe-%s", hk_vm_env_or("HUSK_VM_CACHE", DEFAULT_CACHE), key);
  if (hk_read_file(cache, 16, &verdict, &len, NULL) == 0)
    return strncmp(verdict, "kvm", 3) == 0;
  if (pipe2(pfd, O_CLOEXEC) < 0)
    return false;
  pid = fork();
  if (pid == 0) {
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(nul, 0);
    dup2(pfd[1], 1);
    dup2(nul, 2);
    hk_vm_close_from(3);
    execlp(h->qemu, h->qemu, "-M", "microvm", "-accel", "kvm", "-cpu", "host,-arch-capabilities",
           "-m", "128", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
           "-kernel", h->kernel, "-append", "earlyprintk=ttyS0 console=ttyS0 panic=-1 reboot=t",
           "-serial", "stdio", (char *)NULL);
    _exit(127);
  }
  close(pfd[1]);
  if (pid > 0) {
    char buf[4096];
    size_t got = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
      struct pollfd p = {.fd = pfd[0], .events = POLLIN};
      long ms;
      clock_gettime(CLOCK_MONOTONIC, &t);
      ms = 3000 - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
      if (ms <= 0 || poll(&p, 1, ms) <= 0)
        break;
      ssize_t n = read(pfd[0], buf + got, sizeof(buf) - 1 - got);
      if (n <= 0)
        break;
      got += n;
      buf[got] = '\0';
      if (strstr(buf, "Linux version")) {
        ok = true;
        break;
      }
      if (got >= sizeof(buf) - 1)
        got = 0;
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  close(pfd[0]);
  mkdir(hk_vm_env_or("HUSK_VM_CACHE", DEFAULT_CACHE), 0755);
  {
    _cleanup_close_ int fd =
        open(cache, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || hk_write_all(fd, ok ? "kvm\n" : "tcg\n", 4) < 0)
      hk_debug("VM handler: cannot cache the KVM probe in %s: %s", cache, strerror(errno));
  }
  return ok;
}

/* linux.resources size the VM: the memory limit plus what the guest kernel
 * needs, and the vCPUs the CPU quota allows. */
static void size_vm(struct hk_vm_host *h, const struct hk_spec *spec)
{
  const struct hk_resources *r =
      spec->has_linux && spec->linux_.has_resources ? &spec->linux_.resources : NULL;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

  h->mem_mib = DEFAULT_MEM_MIB;
  h->cpus = 1;
  if (r && r->has_memory && r->memory.has_limit && r->memory.limit > 0) {
    int64_t mib = r->memory.limit / (1024 * 1024) + GUEST_OVERHEAD_MIB;
    h->mem_mib = mib < MIN_MEM_MIB ? MIN_MEM_MIB : mib > 65536 ? 65536 : (int)mib;
  }
  if (r && r->has_cpu && r->cpu.has_quota && r->cpu.quota > 0) {
    uint64_t period = r->cpu.has_period && r->cpu.period ? r->cpu.period : 100000;
    h->cpus = (int)((r->cpu.quota + period - 1) / period);
  }
  if (h->cpus < 1)
    h->cpus = 1;
  if (ncpu > 0 && h->cpus > ncpu)
    h->cpus = (int)ncpu;
}

#define MAX_BIND_DIRS 16
#define MAX_BIND_FILE (1024 * 1024)

bool hk_vm_guest_clash(const char *p, const char **what)
{
  /* What the guest init mounts or keeps (vm-guest.c), and its root. */
  static const char *const own[] = {"/proc",
                                    "/sys",
                                    "/dev",
                                    "/bin",
                                    "/lib",
                                    "/lib64",
                                    "/etc/passwd",
                                    "/etc/group",
                                    "/run/husk",
                                    "/run/husk-vm.pid",
                                    "/run/husk-vm-console.sock",
                                    "/husk-vm-init",
                                    "/newroot"};
  size_t pl = strlen(p);

  while (pl > 1 && p[pl - 1] == '/')
    pl--;
  for (size_t i = 0; i < HK_ARRAY_SIZE(own); i++) {
    size_t n = strlen(own[i]);
    /* p is it or inside it, or p holds it (p is "/" or one of its parents). */
    if ((strncmp(p, own[i], n) == 0 && (p[n] == '\0' || p[n] == '/')) ||
        (pl <= n && strncmp(own[i], p, pl) == 0 && (own[i][pl] == '/' || pl == 1))) {
      *what = own[i];
      return true;
    }
  }
  return false;
}

/* A path the guest provides itself, where nothing from the host goes. */
static bool guest_owned(const char *p)
{
  static const char *const own[] = {"/proc", "/sys", "/dev"};
  if (strcmp(p, "/") == 0)
    return true;
  for (size_t i = 0; i < HK_ARRAY_SIZE(own); i++) {
    size_t n = strlen(own[i]);
    if (strncmp(p, own[i], n) == 0 && (p[n] == '\0' || p[n] == '/'))
      return true;
  }
  return false;
}

static bool is_bind(const struct hk_mount *m)
{
  if (m->type && strcmp(m->type, "bind") == 0)
    return true;
  for (size_t i = 0; i < m->options.len; i++)
    if (strcmp(m->options.v[i], "bind") == 0 || strcmp(m->options.v[i], "rbind") == 0)
      return true;
  return false;
}

/* The sources of config.mounts' bind mounts, as the guest will need them
 * (engines bind /etc/hosts, /etc/resolv.conf and volumes). */
static int collect_binds(struct hk_vm_host *h, const struct hk_spec *spec, const char *bundle,
                         hk_error_t **err)
{
  for (size_t i = 0; i < spec->mounts_len; i++) {
    const struct hk_mount *m = &spec->mounts[i];
    _cleanup_free_ char *src = NULL, *real = NULL;
    struct stat st;

    if (!is_bind(m) || m->source == NULL)
      continue;
    src = m->source[0] == '/' ? hk_xstrdup(m->source) : hk_xasprintf("%s/%s", bundle, m->source);
    real = realpath(src, NULL);
    /* A missing source fails in the guest as it would on the host. */
    if (real == NULL || guest_owned(real) || stat(real, &st) < 0)
      continue;
    if (strcmp(real, src) != 0)
      continue; /* the guest resolves the path as written: share only exact paths */
    if (S_ISDIR(st.st_mode)) {
      if (h->n_dirs == MAX_BIND_DIRS)
        return hk_error_plain(err, E2BIG,
                              "mounts[%zu]: VM handler: at most %d bind-mounted directories", i,
                              MAX_BIND_DIRS);
      struct hk_mount_opts o = {0};
      hk_error_t *ignored = NULL;

      h->bind_dirs = hk_xrealloc(h->bind_dirs, (h->n_dirs + 1) * sizeof(char *));
      h->bind_dirs_ro = hk_xrealloc(h->bind_dirs_ro, (h->n_dirs + 1) * sizeof(bool));
      /* A read-only volume stays read-only against the guest's kernel too,
       * not only in the guest's mount (bad options fail in the guest). */
      h->bind_dirs_ro[h->n_dirs] =
          hk_mount_parse_options(m, &o, &ignored) == 0 && (o.flags & MS_RDONLY);
      hk_mount_opts_clear(&o);
      hk_error_free(ignored);
      h->bind_dirs[h->n_dirs++] = steal_pointer(&real);
    } else if (S_ISREG(st.st_mode)) {
      if (st.st_size > MAX_BIND_FILE)
        return hk_error_plain(err, EFBIG,
                              "mounts[%zu]: VM handler: the bind-mounted file `%s` is larger "
                              "than %d bytes (files are copied into the guest)",
                              i, real, MAX_BIND_FILE);
      h->bind_files = hk_xrealloc(h->bind_files, (h->n_files + 1) * sizeof(char *));
      h->bind_files[h->n_files++] = steal_pointer(&real);
    }
  }
  return 0;
}

int hk_vm_host_prepare(struct hk_vm_host *h, const struct hk_spec *spec, const char *bundle,
                       const char *rootfs, hk_error_t **err)
{
  const char *vfs = hk_vm_env_or("HUSK_VM_VIRTIOFSD", DEFAULT_VIRTIOFSD), *why = "";

  if (geteuid() != 0)
    return hk_error_plain(err, EPERM, "VM handler: needs root (virtiofsd and the VM's devices)");
  if (hk_vm_guest_clash(rootfs, &why))
    return hk_error_plain(err, EINVAL,
                          "VM handler: root.path: the rootfs `%s` cannot be shared with the "
                          "guest, which keeps its own `%s` there",
                          rootfs, why);
  if (hk_vm_guest_clash(bundle, &why))
    return hk_error_plain(err, EINVAL,
                          "VM handler: the bundle `%s` cannot be placed in the guest, which keeps "
                          "its own `%s` there",
                          bundle, why);
  if (collect_binds(h, spec, bundle, err) < 0)
    return -1;
  h->qemu = hk_vm_find_qemu(err);
  if (h->qemu == NULL || prepare_guest(h, err) < 0)
    return -1;
  /* virtiofsd takes its options comma-separated and decodes backslash
   * escapes in them (`\057` is a `/`): such a path goes over 9p. */
  if (strcmp(vfs, "none") != 0 && strpbrk(rootfs, ",\\") == NULL)
    h->virtiofsd = hk_vm_find_exe(vfs);
  if (h->virtiofsd == NULL)
    hk_debug("VM handler: sharing the rootfs over 9p (no virtiofsd at %s)", vfs);
  h->kvm = kvm_probe(h, &why);
  size_vm(h, spec);
  /* Into --log (engines keep it) always; on a bare stderr only with
   * --debug, where it would mix with the container's own. */
  hk_log(hk_log_fd() != 2 || hk_log_debug_enabled() ? HK_LOG_INFO : HK_LOG_DEBUG,
         "VM handler: %s%s%s, %d vCPU, %d MiB, rootfs over %s", h->kvm ? "KVM" : "TCG (",
         h->kvm ? "" : why, h->kvm ? "" : ")", h->cpus, h->mem_mib,
         h->virtiofsd ? "virtiofs" : "9p");
  return 0;
}

void hk_vm_host_clear(struct hk_vm_host *h)
{
  free(h->husk_exe);
  free(h->qemu);
  free(h->virtiofsd);
  free(h->kernel);
  free(h->initrd);
  hk_strv_free(h->argv);
  for (size_t i = 0; i < h->n_dirs; i++)
    free(h->bind_dirs[i]);
  for (size_t i = 0; i < h->n_files; i++)
    free(h->bind_files[i]);
  free(h->bind_dirs);
  free(h->bind_dirs_ro);
  free(h->bind_files);
  *h = (struct hk_vm_host){0};
}

/* ---- QEMU's command line ---- */

struct argv {
  char **v;
  size_t n, cap;
};

static void add(struct argv *a, char *s)
{
  if (a->n + 2 > a->cap) {
    a->cap = a->cap ? a->cap * 2 : 64;
    a->v = hk_xrealloc(a->v, a->cap * sizeof(char *));
  }
  a->v[a->n++] = s;
  a->v[a->n] = NULL;
}

static void add2(struct argv *a, const char *opt, char *val)
{
  add(a, hk_xstrdup(opt));
  add(a, val);
}

/* A QEMU option value: commas doubled. */
static char *qemu_escape(const char *s)
{
  size_t n = strlen(s), k = 0;
  char *o = hk_xmalloc0(2 * n + 1);
  for (size_t i = 0; i < n; i++) {
    o[k++] = s[i];
    if (s[i] == ',')
      o[k++] = ',';
  }
  return o;
}

/* The host's TSC frequency, for a TCG guest that reads it directly and
 * whose own calibration fails on a busy host. */
static long tsc_khz(void)
{
  _cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
  char line[256];
  double mhz;
  while (f && fgets(line, sizeof(line), f))
    if (sscanf(line, "cpu MHz : %lf", &mhz) == 1 || sscanf(line, "cpu MHz\t: %lf", &mhz) == 1)
      return (long)(mhz * 1000);
  return 0;
}

static char *kernel_cmdline(const struct hk_vm_host *h)
{
  long khz = h->kvm ? 0 : tsc_khz();
  /* norandmaps: TCG reuses translations only at the same addresses. */
  const char *base = "console=ttyS0 loglevel=3 quiet panic=-1 reboot=t rdinit=/husk-vm-init "
                     "pci=off i8042.noaux i8042.nokbd cryptomgr.notests random.trust_cpu=on";
  const char *extra = hk_vm_env_or("HUSK_VM_APPEND", "");
  if (khz > 0)
    return hk_xasprintf("%s norandmaps tsc_early_khz=%ld tsc=reliable lpj=%ld %s", base, khz,
                        khz * 1000 / 250, extra);
  return hk_xasprintf("%s %s", base, extra);
}

char **hk_vm_qemu_argv(const struct hk_vm_host *h, const char *rootfs, const int fds[5])
{
  static const char *const ports[] = {"husk.ctl", "husk.stdout", "husk.stderr", "husk.stdin",
                                      "husk.tty"};
  struct argv a = {0};

  add(&a, hk_xstrdup(h->qemu));
  add2(&a, "-M", hk_xstrdup("microvm,memory-backend=mem"));
  add2(&a, "-accel", hk_xstrdup(h->kvm ? "kvm" : "tcg,thread=single"));
  add2(&a, "-cpu", hk_xstrdup(h->kvm ? "host,-arch-capabilities" : "max"));
  add2(&a, "-smp", hk_xasprintf("%d", h->cpus));
  add2(&a, "-m", hk_xasprintf("%dM", h->mem_mib));
  /* Shared memory: vhost-user (virtiofsd) maps the guest's RAM. */
  add2(&a, "-object", hk_xasprintf("memory-backend-memfd,id=mem,size=%dM,share=on", h->mem_mib));
  add(&a, hk_xstrdup("-nodefaults"));
  add(&a, hk_xstrdup("-no-user-config"));
  add2(&a, "-display", hk_xstrdup("none"));
  add(&a, hk_xstrdup("-no-reboot"));
  /* QEMU runs as root: its own seccomp filter forbids it new privileges,
   * processes and obsolete system calls. */
  add2(&a, "-sandbox",
       hk_xstrdup("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));
  add2(&a, "-global", hk_xstrdup("virtio-mmio.force-legacy=false"));
  add2(&a, "-kernel", hk_xstrdup(h->kernel));
  add2(&a, "-initrd", hk_xstrdup(h->initrd));
  add2(&a, "-append", kernel_cmdline(h));
  add2(&a, "-serial", hk_xstrdup("file:console.log"));
  add2(&a, "-chardev", hk_xstrdup("socket,id=qmp,path=qmp.sock,server=on,wait=off"));
  add2(&a, "-mon", hk_xstrdup("chardev=qmp,mode=control"));
  if (h->virtiofsd) {
    add2(&a, "-chardev", hk_xstrdup("socket,id=vfs,path=virtiofs.sock"));
    add2(&a, "-device", hk_xstrdup("vhost-user-fs-device,chardev=vfs,tag=rootfs"));
  } else {
    _cleanup_free_ char *p = qemu_escape(rootfs);
    add2(&a, "-fsdev", hk_xasprintf("local,id=rootfs,path=%s,security_model=passthrough", p));
    add2(&a, "-device", hk_xstrdup("virtio-9p-device,fsdev=rootfs,mount_tag=rootfs"));
  }
  for (size_t i = 0; i < h->n_dirs; i++) {
    _cleanup_free_ char *p = qemu_escape(h->bind_dirs[i]);
    add2(&a, "-fsdev", hk_xasprintf("local,id=b%zu,path=%s,security_model=passthrough%s", i, p,
                                    h->bind_dirs_ro[i] ? ",readonly=on" : ""));
    add2(&a, "-device", hk_xasprintf("virtio-9p-device,fsdev=b%zu,mount_tag=b%zu", i, i));
  }
  add2(&a, "-device", hk_xstrdup("virtio-serial-device,max_ports=8"));
  for (int i = 0; i < 5; i++) {
    if (fds[i] < 0)
      continue;
    add2(&a, "-chardev", hk_xasprintf("socket,id=p%d,fd=%d", i, fds[i]));
    add2(&a, "-device", hk_xasprintf("virtserialport,chardev=p%d,name=%s", i, ports[i]));
  }
  return a.v;
}
