/* Process settings applied by init; see process.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "caps.h"
#include "path.h"
#include "process.h"
#include "utils.h"

static const struct {
  const char *name;
  int resource;
} rlimits[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

int hk_rlimit_from_name(const char *name)
{
  for (size_t i = 0; name && i < HK_ARRAY_SIZE(rlimits); i++)
    if (strcmp(rlimits[i].name, name) == 0)
      return rlimits[i].resource;
  return -1;
}

int hk_rlimits_apply(const struct hk_process *p, hk_error_t **err)
{
  for (size_t i = 0; i < p->rlimits_len; i++) {
    const struct hk_rlimit *r = &p->rlimits[i];
    int res = hk_rlimit_from_name(r->type);
    struct rlimit lim = {.rlim_cur = r->soft, .rlim_max = r->hard};

    if (res < 0)
      return hk_error_plain(err, EINVAL, "process.rlimits[%zu].type: unknown rlimit \"%s\"", i,
                           r->type ? r->type : "");
    if (setrlimit(res, &lim) < 0)
      return hk_error_make(err, errno, "process.rlimits[%zu]: set %s to %llu/%llu", i, r->type,
                           (unsigned long long)r->soft, (unsigned long long)r->hard);
  }
  return 0;
}

int hk_user_apply(const struct hk_process *p, hk_error_t **err)
{
  const struct hk_user *u = &p->user;

  if (setgroups(u->additional_gids_len, u->additional_gids) < 0 &&
      !(errno == EPERM && u->additional_gids_len == 0))
    return hk_error_make(err, errno, "process.user.additionalGids: setgroups");
  if (p->has_capabilities) {
    if (hk_caps_drop_bounding(&p->capabilities, err) < 0)
      return -1;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
      return hk_error_make(err, errno, "prctl(PR_SET_KEEPCAPS)");
  }
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return hk_error_make(err, errno, "process.user.gid: setresgid(%u)", u->gid);
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return hk_error_make(err, errno, "process.user.uid: setresuid(%u)", u->uid);
  if (p->has_capabilities) {
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
      return hk_error_make(err, errno, "prctl(PR_SET_KEEPCAPS)");
    if (hk_caps_apply(&p->capabilities, err) < 0)
      return -1;
  }
  return 0;
}

int hk_oom_score_adj_apply(pid_t pid, const struct hk_process *p, hk_error_t **err)
{
  _cleanup_close_ int fd = -1;
  char path[48], buf[16], own[16] = "?";
  int n;

  if (!p->has_oom_score_adj)
    return 0;
  snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
  n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
  fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "process.oomScoreAdj: open `%s`", path);
  if (write(fd, buf, n) == n)
    return 0;
  if (errno == EACCES) {
    /* The kernel lets a process without CAP_SYS_RESOURCE go down only to
     * the lowest value that a privileged ancestor set: husk's own, usually. */
    _cleanup_close_ int self = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
    ssize_t r = self >= 0 ? read(self, own, sizeof(own) - 1) : -1;
    own[r > 0 ? r - (own[r - 1] == '\n') : 1] = '\0';
    return hk_error_plain(err, EACCES,
                          "process.oomScoreAdj: cannot set %d: going that far below husk's own "
                          "oom_score_adj (%s) needs CAP_SYS_RESOURCE",
                          p->oom_score_adj, own);
  }
  return hk_error_make(err, errno, "process.oomScoreAdj: write %d to `%s`", p->oom_score_adj,
                       path);
}

int hk_process_chdir(const char *cwd, hk_error_t **err)
{
  _cleanup_close_ int rootfd = -1, fd = -1;
  char buf[PATH_MAX];

  if (cwd == NULL)
    return 0;
  rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hk_error_make(err, errno, "process.cwd: open /");
  fd = hk_path_open_in_root(rootfd, cwd, HK_PATH_NO_CREATE, err);
  if (fd < 0)
    return hk_error_wrap(err, "process.cwd");
  if (fchdir(fd) < 0)
    return hk_error_make(err, errno, "process.cwd: chdir `%s`", cwd);
  /* The kernel says "(unreachable)" (or ENOENT) for a directory outside
   * the root: never run there, whatever led to it. */
  if (syscall(SYS_getcwd, buf, sizeof(buf)) < 0 ? errno != ERANGE && errno != ENAMETOOLONG
                                                 : buf[0] != '/')
    return hk_error_plain(err, EPERM, "process.cwd: `%s` is outside the container's root", cwd);
  return 0;
}

static bool is_executable(const char *path, int *e)
{
  struct stat st;
  if (stat(path, &st) < 0) {
    *e = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *e = EISDIR;
    return false;
  }
  if (access(path, X_OK) < 0) {
    *e = errno;
    return false;
  }
  return true;
}

/* Engines turn these messages into the exit status of `docker run` and
 * `podman run` by matching runc's (Go's) wording, in lower case: "no such
 * file or directory" becomes 127, "permission denied" and "is a directory"
 * 126. */
static int exec_error(const char *arg0, int e, hk_error_t **err)
{
  switch (e) {
  case ENOENT:
    return hk_error_plain(err, e, "exec: \"%s\": no such file or directory", arg0);
  case EACCES:
    return hk_error_plain(err, e, "exec: \"%s\": permission denied", arg0);
  case EISDIR:
    return hk_error_plain(err, e, "exec: \"%s\": is a directory", arg0);
  default:
    return hk_error_make(err, e, "exec: \"%s\"", arg0);
  }
}

int hk_exec_lookup(const struct hk_process *p, char **path, hk_error_t **err)
{
  const char *arg0 = p->args.len ? p->args.v[0] : NULL;
  const char *search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int e = ENOENT;

  if (arg0 == NULL || arg0[0] == '\0')
    return hk_error_plain(err, EINVAL, "process.args: must name an executable");
  if (strchr(arg0, '/')) {
    if (!is_executable(arg0, &e))
      return exec_error(arg0, e, err);
    *path = hk_xstrdup(arg0);
    return 0;
  }
  for (size_t i = 0; i < p->env.len; i++)
    if (strncmp(p->env.v[i], "PATH=", 5) == 0)
      search = p->env.v[i] + 5;
  for (const char *s = search;;) {
    const char *end = strchrnul(s, ':');
    _cleanup_free_ char *cand = NULL;
    int ce;
    cand = end == s ? hk_xasprintf("./%s", arg0) : hk_xasprintf("%.*s/%s", (int)(end - s), s, arg0);
    if (is_executable(cand, &ce)) {
      *path = steal_pointer(&cand);
      return 0;
    }
    if (ce != ENOENT && ce != ENOTDIR)
      e = ce;
    if (*end == '\0')
      break;
    s = end + 1;
  }
  if (e == ENOENT)
    return hk_error_plain(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0);
  return exec_error(arg0, e, err);
}
