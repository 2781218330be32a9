/* AppArmor and SELinux labels; see lsm.h.
 *
 * Both work the same way for the process: a label written to the task's
 * "exec" attribute in procfs takes effect at its next execve, so the
 * runtime's own work before it stays unconfined and the program starts
 * confined from its first instruction. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"
#include "lsm.h"
#include "path.h"
#include "utils.h"

/* The list of active LSMs, when securityfs is mounted (Linux 4.15+). */
static int lsm_listed(const char *name)
{
  _cleanup_free_ char *list = NULL;
  size_t len, n = strlen(name);

  if (hk_read_file("/sys/kernel/security/lsm", 4096, &list, &len, NULL) < 0)
    return -1;
  for (char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
      return 1;
  return 0;
}

static bool apparmor_enabled(void)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;
  int listed = lsm_listed("apparmor");

  if (listed >= 0)
    return listed;
  /* Without securityfs: the module parameter, which the LSM framework
   * clears when AppArmor is built in but not chosen at boot. */
  return hk_read_file("/sys/module/apparmor/parameters/enabled", 16, &buf, &len, NULL) == 0 &&
         buf[0] == 'Y';
}

bool hk_lsm_apparmor_enabled(void)
{
  static int on = -1;
  if (on < 0)
    on = apparmor_enabled();
  return on;
}

static bool selinux_enabled(void)
{
  _cleanup_free_ char *buf = NULL;
  size_t len;
  int listed = lsm_listed("selinux");

  if (listed >= 0)
    return listed;
  /* selinuxfs is registered only when SELinux is enabled at boot. */
  return hk_read_file("/proc/filesystems", 1 << 16, &buf, &len, NULL) == 0 &&
         strstr(buf, "\tselinuxfs\n") != NULL;
}

bool hk_lsm_selinux_enabled(void)
{
  static int on = -1;
  if (on < 0)
    on = selinux_enabled();
  return on;
}

static bool set(const char *s)
{
  return s && s[0];
}

/* A label goes into procfs as one write: no newline may sneak in a second
 * command (AppArmor reads "exec PROFILE"). */
static int check_text(const char *what, const char *s, hk_error_t **err)
{
  if (strpbrk(s, "\n\r") || strlen(s) > 4000)
    return hk_error_plain(err, EINVAL, "%s: invalid value \"%s\"", what, s);
  return 0;
}

int hk_lsm_check(const struct hk_process *p, const char *mount_label, hk_error_t **err)
{
  if (set(p->apparmor_profile)) {
    if (!hk_lsm_apparmor_enabled())
      return hk_error_plain(err, ENOTSUP,
                            "process.apparmorProfile: AppArmor is not enabled on this host, "
                            "cannot apply profile \"%s\"",
                            p->apparmor_profile);
    if (check_text("process.apparmorProfile", p->apparmor_profile, err) < 0)
      return -1;
  }
  if (set(p->selinux_label)) {
    if (!hk_lsm_selinux_enabled())
      return hk_error_plain(err, ENOTSUP,
                            "process.selinuxLabel: SELinux is not enabled on this host, cannot "
                            "apply label \"%s\"",
                            p->selinux_label);
    if (check_text("process.selinuxLabel", p->selinux_label, err) < 0)
      return -1;
  }
  if (set(mount_label)) {
    if (!hk_lsm_selinux_enabled())
      return hk_error_plain(err, ENOTSUP,
                            "linux.mountLabel: SELinux is not enabled on this host, cannot apply "
                            "label \"%s\"",
                            mount_label);
    if (strchr(mount_label, '"') || strchr(mount_label, ','))
      return hk_error_plain(err, EINVAL, "linux.mountLabel: invalid value \"%s\"", mount_label);
    if (check_text("linux.mountLabel", mount_label, err) < 0)
      return -1;
  }
  return 0;
}

/* Write an attribute of the calling thread, under procfd (checked to be a
 * real procfs). */
static int write_attr(int procfd, const char *attr, const char *value, hk_error_t **err)
{
  _cleanup_free_ char *path = hk_xasprintf("thread-self/attr/%s", attr);
  _cleanup_close_ int fd = openat(procfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  struct statfs sf;

  if (fd < 0)
    return hk_error_make(err, errno, "open /proc/%s", path);
  if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
    return hk_error_plain(err, EPERM, "/proc/%s is not on procfs", path);
  if (hk_write_all(fd, value, strlen(value)) < 0)
    return hk_error_make(err, errno, "write \"%s\" to /proc/%s", value, path);
  return 0;
}

int hk_lsm_set_exec_label(int procfd, const struct hk_process *p, hk_error_t **err)
{
  if (set(p->apparmor_profile)) {
    _cleanup_free_ char *cmd = hk_xasprintf("exec %s", p->apparmor_profile);
    /* attr/apparmor/exec since Linux 5.8; attr/exec before. */
    const char *attr =
        faccessat(procfd, "thread-self/attr/apparmor", F_OK, 0) == 0 ? "apparmor/exec" : "exec";
    if (write_attr(procfd, attr, cmd, err) < 0)
      return hk_error_wrap(err, "process.apparmorProfile");
    hk_debug("process.apparmorProfile: %s on exec", p->apparmor_profile);
  }
  if (set(p->selinux_label)) {
    if (write_attr(procfd, "exec", p->selinux_label, err) < 0)
      return hk_error_wrap(err, "process.selinuxLabel");
    hk_debug("process.selinuxLabel: %s on exec", p->selinux_label);
  }
  return 0;
}

int hk_lsm_set_keyring_label(int procfd, const struct hk_process *p, hk_error_t **err)
{
  if (set(p->selinux_label) && write_attr(procfd, "keycreate", p->selinux_label, err) < 0)
    return hk_error_wrap(err, "process.selinuxLabel: session keyring");
  return 0;
}

char *hk_lsm_mount_option(const struct hk_mount *m, const char *mount_label)
{
  static const char *const no_context[] = {"proc",       "sysfs",     "cgroup", "cgroup2",
                                           "securityfs", "selinuxfs", "bind",   "mqueue"};

  if (!set(mount_label) || m->type == NULL || !hk_lsm_selinux_enabled())
    return NULL;
  for (size_t i = 0; i < HK_ARRAY_SIZE(no_context); i++)
    if (strcmp(m->type, no_context[i]) == 0)
      return NULL;
  for (size_t i = 0; i < m->options.len; i++) {
    const char *o = m->options.v[i];
    if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0 || strncmp(o, "context=", 8) == 0)
      return NULL; /* a bind keeps its source's labels; or the config chose one */
  }
  return hk_xasprintf("context=\"%s\"", mount_label);
}

int hk_lsm_label_mount_root(int rootfd, const struct hk_mount *m, const char *mount_label,
                            hk_error_t **err)
{
  _cleanup_close_ int fd = -1;
  char path[64];

  if (!set(mount_label) || m->type == NULL || strcmp(m->type, "mqueue") != 0 ||
      !hk_lsm_selinux_enabled())
    return 0;
  fd = hk_path_open_in_root(rootfd, m->destination, HK_PATH_NO_CREATE, err);
  if (fd < 0)
    return hk_error_wrap(err, "linux.mountLabel");
  /* An O_PATH descriptor takes no fsetxattr; its magic link does. */
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  if (setxattr(path, "security.selinux", mount_label, strlen(mount_label) + 1, 0) < 0)
    return hk_error_make(err, errno, "linux.mountLabel: label `%s`", m->destination);
  return 0;
}
