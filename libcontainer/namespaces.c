/* Namespaces: the plan of what to create and join, joining by path, and the
 * ID maps and time offsets that must be written from outside. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "namespaces.h"
#include "utils.h"

static const struct {
  const char *type;
  const char *proc;
  int flag;
} ns_table[] = {
    {"user", "user", CLONE_NEWUSER},   {"mount", "mnt", CLONE_NEWNS},
    {"pid", "pid", CLONE_NEWPID},      {"network", "net", CLONE_NEWNET},
    {"ipc", "ipc", CLONE_NEWIPC},      {"uts", "uts", CLONE_NEWUTS},
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

int hk_ns_flag(const char *type)
{
  for (size_t i = 0; i < HK_ARRAY_SIZE(ns_table); i++)
    if (strcmp(ns_table[i].type, type) == 0)
      return ns_table[i].flag;
  return 0;
}

int hk_ns_index(int flag)
{
  for (size_t i = 0; i < HK_ARRAY_SIZE(ns_table); i++)
    if (ns_table[i].flag == flag)
      return i;
  return -1;
}

const char *hk_ns_proc_name(int flag)
{
  int i = hk_ns_index(flag);
  return i < 0 ? "?" : ns_table[i].proc;
}

int hk_ns_plan_build(const struct hk_linux *lx, struct hk_ns_plan *plan, hk_error_t **err)
{
  memset(plan, 0, sizeof(*plan));
  for (size_t i = 0; lx && i < lx->namespaces_len; i++) {
    const struct hk_namespace *ns = &lx->namespaces[i];
    int flag = hk_ns_flag(ns->type ? ns->type : "");
    if (flag == 0)
      return hk_error_plain(err, EINVAL, "linux.namespaces[%zu].type: unknown namespace type \"%s\"",
                           i, ns->type ? ns->type : "");
    if ((plan->new_flags | plan->join_flags) & flag)
      return hk_error_plain(err, EINVAL, "linux.namespaces[%zu]: namespace \"%s\" listed twice", i,
                           ns->type);
    if (ns->path && ns->path[0]) {
      plan->join_flags |= flag;
      plan->join_path[hk_ns_index(flag)] = ns->path;
    } else {
      plan->new_flags |= flag;
    }
  }
  return 0;
}

int hk_ns_join(const char *path, int flag, hk_error_t **err)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "open %s namespace `%s`", hk_ns_proc_name(flag), path);
  if (setns(fd, flag) < 0)
    return hk_error_make(err, errno, "join %s namespace `%s`", hk_ns_proc_name(flag), path);
  return 0;
}

bool hk_userns_host_id(const struct hk_id_mapping *m, size_t n, uint32_t id, uint32_t *host)
{
  for (size_t i = 0; i < n; i++) {
    if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
      *host = m[i].host_id + (id - m[i].container_id);
      return true;
    }
  }
  return false;
}

int hk_timens_write_offsets(const struct hk_time_offsets *t, hk_error_t **err)
{
  char buf[128];
  int len = 0;

  if (t->has_monotonic)
    len += snprintf(buf + len, sizeof(buf) - len, "monotonic %lld %u\n",
                    (long long)t->monotonic.secs, t->monotonic.nanosecs);
  if (t->has_boottime)
    len += snprintf(buf + len, sizeof(buf) - len, "boottime %lld %u\n",
                    (long long)t->boottime.secs, t->boottime.nanosecs);
  if (len == 0)
    return 0;
  if (hk_write_file("/proc/self/timens_offsets", buf, len, err) < 0)
    return hk_error_wrap(err, "linux.timeOffsets");
  return 0;
}

int hk_sysctl_check(const struct hk_kv_list *sysctl, int flags, const char *what,
                    hk_error_t **err)
{
  static const char *const ipc[] = {"kernel.msgmax",     "kernel.msgmnb",     "kernel.msgmni",
                                    "kernel.sem",        "kernel.shmall",     "kernel.shmmax",
                                    "kernel.shmmni",     "kernel.shm_rmid_forced",
                                    "kernel.msg_next_id", "kernel.sem_next_id",
                                    "kernel.shm_next_id"};

  for (size_t i = 0; i < sysctl->len; i++) {
    const char *k = sysctl->items[i].key;
    int need = 0;
    if (strchr(k, '/') || strstr(k, ".."))
      return hk_error_plain(err, EINVAL, "%s: linux.sysctl.%s: not a sysctl name", what, k);
    for (size_t j = 0; j < HK_ARRAY_SIZE(ipc) && !need; j++)
      if (strcmp(k, ipc[j]) == 0)
        need = CLONE_NEWIPC;
    if (strncmp(k, "fs.mqueue.", 10) == 0)
      need = CLONE_NEWIPC;
    else if (strncmp(k, "net.", 4) == 0)
      need = CLONE_NEWNET;
    else if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
      need = CLONE_NEWUTS;
    if (need == 0)
      return hk_error_plain(err, EINVAL,
                           "%s: linux.sysctl.%s: not a namespaced sysctl; setting it would change "
                           "the host",
                           what, k);
    if (!(flags & need))
      return hk_error_plain(err, EINVAL,
                           "%s: linux.sysctl.%s: needs the container's own %s namespace", what, k,
                           hk_ns_proc_name(need));
  }
  return 0;
}
