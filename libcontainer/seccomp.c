/* linux.seccomp compiled with libseccomp and loaded with seccomp(2); see
 * seccomp.h for why the two halves live in different processes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "log.h"
#include "seccomp.h"
#include "sync.h"
#include "utils.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

/* The kernel's limit on the length of one filter (BPF_MAXINSNS). */
#define HK_SECCOMP_MAX_INSNS 4096

struct hk_seccomp_filter {
  struct sock_filter *insns;
  unsigned short len;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
  bool notify;
  char *listener_path;
  char *listener_metadata;
};

enum { TAKES_ERRNO = 1 };

static const struct {
  const char *name;
  uint32_t action;
  int flags;
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, 0},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, 0},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, 0},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, 0},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), TAKES_ERRNO},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), TAKES_ERRNO},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, 0},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, 0},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, 0},
};

static const struct {
  const char *name;
  enum scmp_compare op;
} operators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* The runtime-spec's list, as far as this libseccomp knows them. */
static const struct {
  const char *name;
  uint32_t token;
} archs[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SHEB
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
#endif
};

/* The flags are handed to seccomp(2) directly, so all of them work whatever
 * this libseccomp supports (2.5 has no attribute for WAIT_KILLABLE_RECV). */
static const struct {
  const char *name;
  unsigned int flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

/* The kernel checks the flags before it reads the program: EFAULT for a
 * NULL program means the flags are known.  WAIT_KILLABLE_RECV is only valid
 * together with NEW_LISTENER. */
static bool kernel_has_flag(unsigned int flag)
{
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

/* action (with errnoRet) -> libseccomp action.  `path` is the JSON path of
 * the action, `errno_path` that of its errnoRet. */
static int parse_action(const char *name, bool has_errno, uint32_t errno_ret, const char *path,
                        const char *errno_path, uint32_t *out, hk_error_t **err)
{
  if (name == NULL)
    return hk_error_plain(err, EINVAL, "%s: missing", path);
  for (size_t i = 0; i < HK_ARRAY_SIZE(actions); i++) {
    if (strcmp(actions[i].name, name) != 0)
      continue;
    if (!(actions[i].flags & TAKES_ERRNO)) {
      if (has_errno)
        return hk_error_plain(err, EINVAL,
                              "%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not %s",
                              errno_path, name);
      *out = actions[i].action;
      return 0;
    }
    if (has_errno && errno_ret > 0xffff)
      return hk_error_plain(err, EINVAL, "%s: %u is out of range (at most 65535)", errno_path,
                            errno_ret);
    /* Both default to EPERM, as in runc. */
    *out = actions[i].action | (has_errno ? errno_ret : EPERM);
    return 0;
  }
  return hk_error_plain(err, EINVAL, "%s: unknown action \"%s\"", path, name);
}

static int parse_arg(const struct hk_seccomp_arg *a, size_t i, size_t j, struct scmp_arg_cmp *out,
                     hk_error_t **err)
{
  const char *base = "linux.seccomp.syscalls";

  if (a->index > 5)
    return hk_error_plain(err, EINVAL, "%s[%zu].args[%zu].index: %u is out of range (0 to 5)", base,
                          i, j, a->index);
  if (a->op == NULL)
    return hk_error_plain(err, EINVAL, "%s[%zu].args[%zu].op: missing", base, i, j);
  for (size_t k = 0; k < HK_ARRAY_SIZE(operators); k++) {
    if (strcmp(operators[k].name, a->op) == 0) {
      /* For MASKED_EQ, value is the mask and valueTwo the datum. */
      *out = (struct scmp_arg_cmp){
          .arg = a->index, .op = operators[k].op, .datum_a = a->value, .datum_b = a->value_two};
      return 0;
    }
  }
  return hk_error_plain(err, EINVAL, "%s[%zu].args[%zu].op: unknown operator \"%s\"", base, i, j,
                        a->op);
}

static int add_arches(scmp_filter_ctx ctx, const struct hk_strv *names, hk_error_t **err)
{
  for (size_t i = 0; i < names->len; i++) {
    size_t k = 0;
    int r;
    while (k < HK_ARRAY_SIZE(archs) && strcmp(archs[k].name, names->v[i]) != 0)
      k++;
    if (k == HK_ARRAY_SIZE(archs))
      return hk_error_plain(err, EINVAL,
                            "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i,
                            names->v[i]);
    r = seccomp_arch_add(ctx, archs[k].token);
    /* A filter holds one byte order, the host's: a process of the other
     * cannot run here, so there is nothing to filter for it. */
    if (r == -EDOM) {
      hk_debug("linux.seccomp.architectures[%zu]: %s ignored: its byte order is not this host's", i,
               names->v[i]);
      continue;
    }
    if (r < 0 && r != -EEXIST) /* the native one is always there */
      return hk_error_make(err, -r, "linux.seccomp.architectures[%zu]: add \"%s\"", i, names->v[i]);
  }
  return 0;
}

static int parse_flags(const struct hk_strv *names, bool notify, unsigned int *out,
                       hk_error_t **err)
{
  *out = 0;
  for (size_t i = 0; i < names->len; i++) {
    size_t k = 0;
    while (k < HK_ARRAY_SIZE(filter_flags) && strcmp(filter_flags[k].name, names->v[i]) != 0)
      k++;
    if (k == HK_ARRAY_SIZE(filter_flags))
      return hk_error_plain(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
                            names->v[i]);
    if (!kernel_has_flag(filter_flags[k].flag))
      return hk_error_plain(err, EINVAL,
                            "linux.seccomp.flags[%zu]: %s is not supported by this kernel", i,
                            names->v[i]);
    /* It only changes how a notifying process waits; without a listener
     * the kernel refuses it, so it is dropped. */
    if (filter_flags[k].flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
      hk_debug("linux.seccomp.flags[%zu]: %s ignored: no rule uses SCMP_ACT_NOTIFY", i,
               names->v[i]);
      continue;
    }
    *out |= filter_flags[k].flag;
  }
  return 0;
}

/* Add one linux.seccomp.syscalls[i] entry for syscall `nr`.  As in runc,
 * conditions on different arguments must all hold (one rule), while several
 * conditions on the same argument are alternatives (one rule each), which
 * is how profiles such as Docker's are written. */
static int add_rule(scmp_filter_ctx ctx, uint32_t act, int nr, const struct scmp_arg_cmp *conds,
                    size_t n, hk_error_t **err)
{
  bool repeated = false;
  unsigned seen = 0;
  int r;

  for (size_t k = 0; k < n; k++) {
    if (seen & (1u << conds[k].arg))
      repeated = true;
    seen |= 1u << conds[k].arg;
  }
  if (!repeated) {
    r = seccomp_rule_add_array(ctx, act, nr, n, conds);
    return r < 0 ? hk_error_make(err, -r, "add rule") : 0;
  }
  for (size_t k = 0; k < n; k++) {
    r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[k]);
    if (r < 0)
      return hk_error_make(err, -r, "add rule");
  }
  return 0;
}

static int add_syscall(scmp_filter_ctx ctx, const struct hk_seccomp_syscall *sc, size_t i,
                       uint32_t default_act, bool *notify, hk_error_t **err)
{
  _cleanup_free_ char *path = hk_xasprintf("linux.seccomp.syscalls[%zu].action", i);
  _cleanup_free_ char *errno_path = hk_xasprintf("linux.seccomp.syscalls[%zu].errnoRet", i);
  _cleanup_free_ struct scmp_arg_cmp *conds = NULL;
  uint32_t act;

  if (sc->names.len == 0)
    return hk_error_plain(err, EINVAL, "linux.seccomp.syscalls[%zu].names: must not be empty", i);
  if (parse_action(sc->action, sc->has_errno_ret, sc->errno_ret, path, errno_path, &act, err) < 0)
    return -1;
  conds = hk_xmalloc0((sc->args_len + 1) * sizeof(*conds));
  for (size_t j = 0; j < sc->args_len; j++)
    if (parse_arg(&sc->args[j], i, j, &conds[j], err) < 0)
      return -1;
  for (size_t j = 0; j < sc->names.len; j++) {
    const char *name = sc->names.v[j];
    if (name[0] == '\0')
      return hk_error_plain(err, EINVAL, "linux.seccomp.syscalls[%zu].names[%zu]: empty name", i,
                            j);
    /* The process that loads the filter passes the listener descriptor on
     * with sendmsg(2): notifying that call would wait for itself. */
    if (act == SCMP_ACT_NOTIFY && strcmp(name, "sendmsg") == 0)
      return hk_error_plain(err, EINVAL,
                            "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot be used for "
                            "sendmsg (husk needs it to hand over the listener descriptor)",
                            i);
  }
  if (act == SCMP_ACT_NOTIFY)
    *notify = true;
  if (act == default_act) /* libseccomp refuses a rule that changes nothing */
    return 0;
  for (size_t j = 0; j < sc->names.len; j++) {
    const char *name = sc->names.v[j];
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) {
      hk_debug("linux.seccomp.syscalls[%zu].names[%zu]: unknown syscall \"%s\" ignored", i, j,
               name);
      continue;
    }
    if (add_rule(ctx, act, nr, conds, sc->args_len, err) < 0)
      return hk_error_wrap(err, "linux.seccomp.syscalls[%zu].names[%zu] \"%s\"", i, j, name);
  }
  return 0;
}

/* The BPF program libseccomp generated, read back from a memfd. */
static int export_bpf(scmp_filter_ctx ctx, struct hk_seccomp_filter *f, hk_error_t **err)
{
  _cleanup_close_ int fd = memfd_create("husk-seccomp", MFD_CLOEXEC);
  _cleanup_free_ char *buf = NULL;
  off_t size;
  size_t len;
  int r;

  if (fd < 0)
    return hk_error_make(err, errno, "linux.seccomp: memfd_create");
  r = seccomp_export_bpf(ctx, fd);
  if (r < 0)
    return hk_error_make(err, -r, "linux.seccomp: generate the filter");
  size = lseek(fd, 0, SEEK_END);
  if (size < 0 || lseek(fd, 0, SEEK_SET) < 0)
    return hk_error_make(err, errno, "linux.seccomp: lseek");
  len = size / sizeof(struct sock_filter);
  hk_debug("linux.seccomp: %zu BPF instructions", len);
  if (len > HK_SECCOMP_MAX_INSNS)
    return hk_error_plain(err, E2BIG,
                          "linux.seccomp: the filter compiles to %zu BPF instructions, more than "
                          "the kernel's limit of %d",
                          len, HK_SECCOMP_MAX_INSNS);
  if (hk_read_fd(fd, "seccomp filter", HK_SECCOMP_MAX_INSNS * sizeof(struct sock_filter), &buf,
                 &len, err) < 0)
    return -1;
  if (len == 0 || len != (size_t)size || len % sizeof(struct sock_filter))
    return hk_error_plain(err, EINVAL, "linux.seccomp: libseccomp produced %zu bytes of BPF", len);
  f->len = len / sizeof(struct sock_filter);
  f->insns = hk_xmalloc0(len);
  memcpy(f->insns, buf, len);
  return 0;
}

static int check_listener(const struct hk_seccomp *s, bool notify, hk_error_t **err)
{
  if (s->listener_metadata && !s->listener_path)
    return hk_error_plain(err, EINVAL, "linux.seccomp.listenerMetadata: set without listenerPath");
  if (!notify)
    return 0; /* listenerPath is ignored without SCMP_ACT_NOTIFY (spec) */
  if (s->listener_path == NULL || s->listener_path[0] == '\0')
    return hk_error_plain(err, EINVAL,
                          "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
  if (strlen(s->listener_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
    return hk_error_plain(err, ENAMETOOLONG, "linux.seccomp.listenerPath: `%s`: path too long",
                          s->listener_path);
  return 0;
}

static int compile(const struct hk_seccomp *s, scmp_filter_ctx *ctx, struct hk_seccomp_filter *f,
                   hk_error_t **err)
{
  uint32_t def;

  if (parse_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
                   "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet", &def, err) < 0)
    return -1;
  if (def == SCMP_ACT_NOTIFY)
    return hk_error_plain(err, EINVAL,
                          "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
  *ctx = seccomp_init(def);
  if (*ctx == NULL)
    return hk_error_plain(err, EINVAL,
                          "linux.seccomp.defaultAction: %s is not supported by this kernel",
                          s->default_action);
  if (add_arches(*ctx, &s->architectures, err) < 0)
    return -1;
  for (size_t i = 0; i < s->syscalls_len; i++)
    if (add_syscall(*ctx, &s->syscalls[i], i, def, &f->notify, err) < 0)
      return -1;
  if (parse_flags(&s->flags, f->notify, &f->flags, err) < 0 ||
      check_listener(s, f->notify, err) < 0)
    return -1;
  return export_bpf(*ctx, f, err);
}

int hk_seccomp_compile(const struct hk_seccomp *s, struct hk_seccomp_filter **out, hk_error_t **err)
{
  struct hk_seccomp_filter *f = hk_xmalloc0(sizeof(*f));
  scmp_filter_ctx ctx = NULL;
  int r = compile(s, &ctx, f, err);

  if (ctx)
    seccomp_release(ctx);
  if (r < 0) {
    hk_seccomp_filter_free(f);
    return -1;
  }
  if (f->notify) {
    f->listener_path = hk_xstrdup(s->listener_path);
    f->listener_metadata = s->listener_metadata ? hk_xstrdup(s->listener_metadata) : NULL;
  }
  *out = f;
  return 0;
}

void hk_seccomp_filter_free(struct hk_seccomp_filter *f)
{
  if (f == NULL)
    return;
  free(f->insns);
  free(f->listener_path);
  free(f->listener_metadata);
  free(f);
}

bool hk_seccomp_filter_notifies(const struct hk_seccomp_filter *f)
{
  return f && f->notify;
}

int hk_seccomp_apply(const struct hk_seccomp_filter *f, int sync_fd, hk_error_t **err)
{
  struct sock_fprog prog = {.len = f->len, .filter = f->insns};
  unsigned int flags = f->flags;
  long r;
  int e;

  if (f->notify) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    /* Without it the kernel refuses TSYNC together with a listener. */
    if (flags & SECCOMP_FILTER_FLAG_TSYNC)
      flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  }
  r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0)
    return hk_error_make(err, errno, "linux.seccomp: load the filter");
  if (!f->notify)
    return 0;
  e = hk_sync_send_fd(sync_fd, HK_SYNC_SECCOMP_FD, r, err);
  close(r);
  return e;
}

static int send_all(int sock, const char *buf, size_t len, int fd)
{
  char cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *c;
  ssize_t n;

  memset(cbuf, 0, sizeof(cbuf));
  c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  /* The descriptor travels with the first part only (spec). */
  do
    n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  buf += n;
  len -= n;
  while (len > 0) {
    n = send(sock, buf, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    buf += n;
    len -= n;
  }
  return 0;
}

int hk_seccomp_send_to_listener(const struct hk_seccomp_filter *f, int notify_fd, int pid,
                                const struct hk_state *state, hk_error_t **err)
{
  static const char *const fds[] = {"seccompFd", NULL};
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  _cleanup_close_ int sock = -1;
  _cleanup_free_ char *json = NULL;
  size_t len;

  if (hk_process_state_to_json(fds, pid, f->listener_metadata, state, &json, &len, err) < 0)
    return -1;
  memcpy(sa.sun_path, f->listener_path, strlen(f->listener_path) + 1);
  sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return hk_error_make(err, errno, "linux.seccomp.listenerPath: socket");
  if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
    return hk_error_make(err, errno, "linux.seccomp.listenerPath: connect to `%s`",
                         f->listener_path);
  if (send_all(sock, json, len, notify_fd) < 0)
    return hk_error_make(err, errno, "linux.seccomp.listenerPath: send to `%s`", f->listener_path);
  /* One state per connection, closed after sending (spec). */
  if (close(steal_fd(&sock)) < 0)
    return hk_error_make(err, errno, "linux.seccomp.listenerPath: close `%s`", f->listener_path);
  return 0;
}

void hk_seccomp_features(struct hk_features *f)
{
  static const char *action_names[HK_ARRAY_SIZE(actions) + 1];
  static const char *operator_names[HK_ARRAY_SIZE(operators) + 1];
  static const char *arch_names[HK_ARRAY_SIZE(archs) + 1];
  static const char *known[HK_ARRAY_SIZE(filter_flags) + 1];
  static const char *supported[HK_ARRAY_SIZE(filter_flags) + 1];
  size_t n = 0;

  for (size_t i = 0; i < HK_ARRAY_SIZE(actions); i++)
    action_names[i] = actions[i].name;
  for (size_t i = 0; i < HK_ARRAY_SIZE(operators); i++)
    operator_names[i] = operators[i].name;
  for (size_t i = 0; i < HK_ARRAY_SIZE(archs); i++)
    arch_names[i] = archs[i].name;
  for (size_t i = 0; i < HK_ARRAY_SIZE(filter_flags); i++) {
    known[i] = filter_flags[i].name;
    if (kernel_has_flag(filter_flags[i].flag))
      supported[n++] = filter_flags[i].name;
  }
  f->seccomp_enabled = true;
  f->seccomp_actions = action_names;
  f->seccomp_operators = operator_names;
  f->seccomp_archs = arch_names;
  f->seccomp_known_flags = known;
  f->seccomp_supported_flags = supported;
}
