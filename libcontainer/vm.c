/* The micro-VM handler's host side, before any process runs: whether a
 * container is a VM, whether this host can run one (and why not), the
 * guest kernel and initramfs (contrib/vm/husk-vm-prepare), KVM or TCG,
 * the VM's size from linux.resources, and QEMU's fixed argument list.
 * Also the control channel's framing and QMP for pause.  See vm.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "utils.h"
#include "vm.h"

#ifndef HK_VM_SHIM_INSTALLED
#define HK_VM_SHIM_INSTALLED "/usr/local/libexec/husk/husk-vm-shim"
#endif

#define DEFAULT_QEMU "qemu-system-x86_64"

static int vm_mode; /* 1: every container is a VM, -1: none is (in the guest) */

void hk_vm_set_mode(int mode)
{
  vm_mode = mode;
}

int hk_vm_selected(const struct hk_spec *spec, const char *config_path, bool *vm, hk_error_t **err)
{
  *vm = vm_mode > 0;
  if (vm_mode < 0)
    return 0;
  for (size_t i = 0; i < spec->annotations.len; i++) {
    const struct hk_kv *kv = &spec->annotations.items[i];
    if (strcmp(kv->key, HK_VM_ANNOTATION) != 0)
      continue;
    if (strcmp(kv->value, "vm") == 0)
      *vm = true;
    else if (strcmp(kv->value, "default") == 0 || kv->value[0] == '\0')
      ;
    else
      return hk_error_plain(err, EINVAL,
                            "%s: annotations.\"%s\": unknown handler \"%s\" (expected \"vm\")",
                            config_path, HK_VM_ANNOTATION, kv->value);
  }
  return 0;
}

/* ---- the control channel ---- */

int hk_vm_msg_send(int fd, const char *word, const void *data, size_t len)
{
  char head[48];
  int n = snprintf(head, sizeof(head), "%s %zu\n", word, len);
  struct iovec iov[2] = {{head, n}, {(void *)data, len}};
  size_t total = n + len, done = 0;

  while (done < total) {
    ssize_t w;
    struct iovec cur[2];
    int k = 0;
    size_t skip = done;
    for (int i = 0; i < 2; i++) {
      if (skip >= iov[i].iov_len) {
        skip -= iov[i].iov_len;
        continue;
      }
      cur[k].iov_base = (char *)iov[i].iov_base + skip;
      cur[k++].iov_len = iov[i].iov_len - skip;
      skip = 0;
    }
    w = writev(fd, cur, k);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      poll(&p, 1, 1000);
      continue;
    }
    if (w <= 0)
      return -1;
    done += w;
  }
  return 0;
}

static int read_exact(int fd, char *buf, size_t len)
{
  size_t done = 0;
  while (done < len) {
    ssize_t n = read(fd, buf + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0)
      return n == 0 && done == 0 ? 0 : -1;
    done += n;
  }
  return 1;
}

int hk_vm_msg_recv(int fd, char word[16], char **data, size_t *len)
{
  char head[48];
  size_t n = 0;
  unsigned long long l;
  char *sp, *end;
  int r;

  *data = NULL;
  while (n < sizeof(head) - 1) {
    r = read_exact(fd, head + n, 1);
    if (r <= 0)
      return n == 0 ? r : -1;
    if (head[n] == '\n')
      break;
    n++;
  }
  head[n] = '\0';
  sp = strchr(head, ' ');
  if (sp == NULL || sp - head >= 16 || sp == head)
    return errno = EPROTO, -1;
  *sp = '\0';
  errno = 0;
  l = strtoull(sp + 1, &end, 10);
  if (errno || *end || l > HK_VM_MSG_MAX)
    return errno = EPROTO, -1;
  strcpy(word, head);
  *data = hk_xmalloc0(l + 1);
  if (l && read_exact(fd, *data, l) != 1) {
    free(*data);
    *data = NULL;
    return -1;
  }
  *len = l;
  return 1;
}

int hk_vm_recv_fd(int sock)
{
  char c, ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {&c, 1};
  struct msghdr m = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
  struct cmsghdr *cm;
  int fd;

  if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) <= 0)
    return -1;
  cm = CMSG_FIRSTHDR(&m);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
    return -1;
  memcpy(&fd, CMSG_DATA(cm), sizeof(int));
  return fd;
}

/* ---- the host's pieces ---- */

/* NAME found in PATH (or NAME itself when it has a slash), malloc'ed. */
char *hk_vm_find_exe(const char *name)
{
  _cleanup_free_ char *path = NULL;
  char *dir, *save = NULL;

  if (strchr(name, '/'))
    return access(name, X_OK) == 0 ? hk_xstrdup(name) : NULL;
  path = hk_xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/sbin:/usr/bin:/sbin:/bin");
  for (dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    char *p = hk_xasprintf("%s/%s", dir, name);
    if (access(p, X_OK) == 0)
      return p;
    free(p);
  }
  return NULL;
}

const char *hk_vm_env_or(const char *name, const char *def)
{
  const char *v = getenv(name);
  return v && *v ? v : def;
}

char *hk_vm_find_qemu(hk_error_t **err)
{
  const char *q = hk_vm_env_or("HUSK_VM_QEMU", DEFAULT_QEMU);
  char *p = hk_vm_find_exe(q);
  if (p == NULL)
    hk_error_plain(err, ENOENT,
                   "VM handler: QEMU `%s` not found (apt-get install qemu-system-x86, or set "
                   "HUSK_VM_QEMU)",
                   q);
  return p;
}

/* A guest kernel the prepare script would take, without running it. */
static bool kernel_present(char **why)
{
  const char *k = getenv("HUSK_VM_KERNEL");
  if (k && *k) {
    if (access(k, R_OK) == 0)
      return true;
    *why = hk_xasprintf("the guest kernel HUSK_VM_KERNEL=%s does not exist", k);
    return false;
  }
  {
    glob_t g;
    bool any = glob("/boot/vmlinuz-*", 0, NULL, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    if (any)
      return true;
  }
  *why = hk_xstrdup("no guest kernel in /boot (apt-get install linux-image-amd64)");
  return false;
}

/* HUSK_VM_SHIM, else next to the husk that was run (the build tree; by
 * argv[0], as /proc/self/exe may be a sealed copy, selfexe.h), else the
 * installed one. */
static char *find_shim(void)
{
  _cleanup_free_ char *cmd = NULL, *found = NULL, *real = NULL;
  const char *env = getenv("HUSK_VM_SHIM");
  size_t len;

  if (env && *env)
    return hk_xstrdup(env);
  if (hk_read_file("/proc/self/cmdline", 65536, &cmd, &len, NULL) == 0 && len > 0) {
    found = strchr(cmd, '/') ? hk_xstrdup(cmd) : hk_vm_find_exe(cmd);
    real = found ? realpath(found, NULL) : NULL;
    if (real && strrchr(real, '/')) {
      char *p;
      *strrchr(real, '/') = '\0';
      p = hk_xasprintf("%s/husk-vm-shim", real);
      if (access(p, X_OK) == 0)
        return p;
      free(p);
    }
  }
  return hk_xstrdup(HK_VM_SHIM_INSTALLED);
}

bool hk_vm_available(char **why)
{
  hk_error_t *e = NULL;
  _cleanup_free_ char *q = hk_vm_find_qemu(&e);

  *why = NULL;
  if (q == NULL) {
    *why = hk_xstrdup(e->msg + strlen("VM handler: "));
    hk_error_free(e);
    return false;
  }
  {
    _cleanup_free_ char *shim = find_shim();
    if (access(shim, X_OK) < 0) {
      *why =
          hk_xasprintf("husk-vm-shim not found at %s (reinstall husk or set HUSK_VM_SHIM)", shim);
      return false;
    }
  }
  return kernel_present(why);
}

/* ---- the shim: a separate executable, husk-vm-shim (vm-shim.c) ---- */

pid_t hk_vm_spawn(const struct hk_vm_launch *v, hk_error_t **err)
{
  _cleanup_free_ char *shim = find_shim();
  char buf[4096];
  size_t got = 0;
  int rep[2];
  pid_t pid;

  if (access(shim, X_OK) < 0)
    return hk_error_make(err, errno,
                         "VM handler: husk-vm-shim not found at %s (reinstall husk or set "
                         "HUSK_VM_SHIM)",
                         shim);
  if (pipe2(rep, O_CLOEXEC) < 0)
    return hk_error_make(err, errno, "VM handler: pipe");
  fflush(NULL);
  pid = fork();
  if (pid == 0) {
    /* Inherited without O_CLOEXEC by the shim, which closes what it must. */
    int dirfd = dup(v->dirfd), report = dup(rep[1]);
    int console = v->console_fd >= 0 ? dup(v->console_fd) : -1;
    int logfd = hk_log_fd() == 2 ? -1 : dup(hk_log_fd());
    /* Our binary for the guest's /bin/husk, by a descriptor: a path
     * through our PID would be gone with us. */
    int exe = open("/proc/self/exe", O_RDONLY);
    char a_dir[16], a_rep[16], a_con[16], a_log[64];
    const char *msg = "VM handler: exec husk-vm-shim failed";

    snprintf(a_dir, sizeof(a_dir), "%d", dirfd);
    snprintf(a_rep, sizeof(a_rep), "%d", report);
    snprintf(a_con, sizeof(a_con), "%d", console);
    snprintf(a_log, sizeof(a_log), "%d,%d,%d,%d", logfd, hk_log_is_json(), hk_log_debug_enabled(),
             exe);
    execl(shim, "husk-vm-shim", v->id, v->bundle, v->rootfs, v->config_path, a_dir, a_rep, a_con,
          v->console_socket ? v->console_socket : "", a_log, (char *)NULL);
    hk_write_all(report, msg, strlen(msg));
    _exit(127);
  }
  close(rep[1]);
  if (pid < 0) {
    close(rep[0]);
    return hk_error_make(err, errno, "VM handler: fork");
  }
  for (ssize_t n; got < sizeof(buf) - 1 && (n = read(rep[0], buf + got, sizeof(buf) - 1 - got));) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    got += n;
  }
  close(rep[0]);
  buf[got] = '\0';
  if (strcmp(buf, "OK") == 0)
    return pid;
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  hk_vm_cleanup(v->dirfd);
  return hk_error_plain(err, EIO, "%s", got ? buf : "VM handler: the shim died");
}

/* ---- after the shim, and QMP ---- */

static struct hk_kv *handler_of(const struct hk_kv_list *a)
{
  for (size_t i = 0; i < a->len; i++)
    if (strcmp(a->items[i].key, HK_VM_ANNOTATION) == 0)
      return &a->items[i];
  return NULL;
}

void hk_vm_mark(struct hk_kv_list *a)
{
  struct hk_kv *kv = handler_of(a);

  if (kv == NULL) {
    a->items = hk_xrealloc(a->items, (a->len + 1) * sizeof(*a->items));
    kv = &a->items[a->len++];
    kv->key = hk_xstrdup(HK_VM_ANNOTATION);
    kv->value = NULL;
  }
  free(kv->value);
  kv->value = hk_xstrdup("vm");
}

bool hk_vm_is(const struct hk_state *s, int dirfd)
{
  const struct hk_kv *kv = handler_of(&s->annotations);

  if (kv)
    return strcmp(kv->value, "vm") == 0;
  /* A state.json from before the handler was recorded there. */
  return faccessat(dirfd, HK_VM_PIDS_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void hk_vm_cleanup(int dirfd)
{
  _cleanup_free_ char *buf = NULL;
  _cleanup_close_ int fd = openat(dirfd, HK_VM_PIDS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  size_t len;
  char *line, *save = NULL;

  if (fd < 0 || hk_read_fd(fd, HK_VM_PIDS_FILE, 4096, &buf, &len, NULL) < 0)
    return;
  /* "NAME PID STARTTIME" lines: only the very processes started go. */
  for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char name[32];
    int pid;
    unsigned long long st;
    uint64_t now;
    if (sscanf(line, "%31s %d %llu", name, &pid, &st) != 3 || pid <= 0)
      continue;
    if (hk_proc_start_time(pid, &now, NULL) < 0 || now != st)
      continue;
    kill(pid, SIGKILL);
    for (int i = 0; i < 1000; i++) { /* not our child: wait for it to vanish */
      char s;
      if (hk_proc_start_time(pid, &now, &s) < 0 || now != st || s == 'Z')
        break;
      usleep(2000);
    }
  }
}

/* The next line from QMP, within 10 s; NUL-terminated in buf (without the
 * newline).  *got carries what was read past the line. */
static int qmp_line(int s, char *buf, size_t size, size_t *got, char **line, hk_error_t **err)
{
  char *nl;

  while ((nl = memchr(buf, '\n', *got)) == NULL) {
    struct pollfd p = {.fd = s, .events = POLLIN};
    ssize_t n;
    if (*got >= size - 1) /* a line longer than we keep: drop what we have */
      *got = 0;
    if (poll(&p, 1, 10000) != 1)
      return hk_error_plain(err, ETIMEDOUT, "VM handler: QMP does not answer");
    n = read(s, buf + *got, size - 1 - *got);
    if (n <= 0)
      return hk_error_plain(err, EPIPE, "VM handler: QMP closed");
    *got += n;
  }
  *nl = '\0';
  *line = hk_xstrdup(buf);
  *got -= nl + 1 - buf;
  memmove(buf, nl + 1, *got);
  return 0;
}

/* The answer to the command just sent: asynchronous events ({"event":...},
 * such as the STOP that `stop` itself causes) may come first. */
static int qmp_answer(int s, char *buf, size_t size, size_t *got, hk_error_t **err)
{
  for (;;) {
    _cleanup_free_ char *line = NULL;
    if (qmp_line(s, buf, size, got, &line, err) < 0)
      return -1;
    if (strstr(line, "\"event\""))
      continue; /* (our commands' answers are {"return": {}} or an error) */
    if (strstr(line, "\"error\""))
      return hk_error_plain(err, EIO, "VM handler: QMP: %s", line);
    if (strstr(line, "\"return\""))
      return 0;
  }
}

static int qmp_command(int dirfd, const char *cmd, hk_error_t **err)
{
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  _cleanup_free_ char *greeting = NULL;
  const char *caps = "{\"execute\":\"qmp_capabilities\"}\n";
  char buf[4096];
  size_t got = 0;

  snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/qmp.sock", dirfd);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
    return hk_error_make(err, errno, "VM handler: connect to QMP");
  if (qmp_line(s, buf, sizeof(buf), &got, &greeting, err) < 0)
    return -1;
  if (hk_write_all(s, caps, strlen(caps)) < 0)
    return hk_error_make(err, errno, "VM handler: write to QMP");
  if (qmp_answer(s, buf, sizeof(buf), &got, err) < 0)
    return -1;
  if (hk_write_all(s, cmd, strlen(cmd)) < 0)
    return hk_error_make(err, errno, "VM handler: write to QMP");
  return qmp_answer(s, buf, sizeof(buf), &got, err);
}

int hk_vm_freeze(int dirfd, const char *id, bool pause, hk_error_t **err)
{
  if (qmp_command(dirfd, pause ? "{\"execute\":\"stop\"}\n" : "{\"execute\":\"cont\"}\n", err) < 0)
    return hk_error_wrap(err, "%s container \"%s\"", pause ? "pause" : "resume", id);
  if (pause)
    return hk_write_file_atomic(dirfd, HK_VM_PAUSED_FILE, "", 0, 0600, err);
  if (unlinkat(dirfd, HK_VM_PAUSED_FILE, 0) < 0 && errno != ENOENT)
    return hk_error_make(err, errno, "resume container \"%s\"", id);
  return 0;
}
