/* The `process` object: config.json's process and the process.json of
 * `exec --process`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "libcontainer/utils.h"
#include "oci-specs/readers.h"

static int read_console_size(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_console_size *cs = data;
  return hk_json_u32(c, v, "height", &cs->height, NULL) < 0 ||
                 hk_json_u32(c, v, "width", &cs->width, NULL) < 0
             ? -1
             : 0;
}

static int read_user(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_user *u = data;

  if (hk_json_u32(c, v, "uid", &u->uid, NULL) < 0 || hk_json_u32(c, v, "gid", &u->gid, NULL) < 0 ||
      hk_json_u32(c, v, "umask", &u->umask, &u->has_umask) < 0 ||
      hk_json_u32_array(c, v, "additionalGids", &u->additional_gids, &u->additional_gids_len) < 0 ||
      hk_json_string(c, v, "username", &u->username) < 0)
    return -1;
  return 0;
}

static int read_capabilities(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_capabilities *caps = data;

  if (hk_json_strv(c, v, "bounding", &caps->bounding, &caps->has_bounding) < 0 ||
      hk_json_strv(c, v, "effective", &caps->effective, &caps->has_effective) < 0 ||
      hk_json_strv(c, v, "inheritable", &caps->inheritable, &caps->has_inheritable) < 0 ||
      hk_json_strv(c, v, "permitted", &caps->permitted, &caps->has_permitted) < 0 ||
      hk_json_strv(c, v, "ambient", &caps->ambient, &caps->has_ambient) < 0)
    return -1;
  return 0;
}

static int read_rlimit(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_rlimit *r = elem;

  if (hk_json_string(c, v, "type", &r->type) < 0 || hk_json_u64(c, v, "soft", &r->soft, NULL) < 0 ||
      hk_json_u64(c, v, "hard", &r->hard, NULL) < 0)
    return -1;
  return 0;
}

static int read_scheduler(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_scheduler *s = data;

  if (hk_json_string(c, v, "policy", &s->policy) < 0 ||
      hk_json_i32(c, v, "nice", &s->nice, NULL) < 0 ||
      hk_json_i32(c, v, "priority", &s->priority, NULL) < 0 ||
      hk_json_strv(c, v, "flags", &s->flags, NULL) < 0 ||
      hk_json_u64(c, v, "runtime", &s->runtime, NULL) < 0 ||
      hk_json_u64(c, v, "deadline", &s->deadline, NULL) < 0 ||
      hk_json_u64(c, v, "period", &s->period, NULL) < 0)
    return -1;
  return 0;
}

static int read_io_priority(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_io_priority *io = data;

  if (hk_json_string(c, v, "class", &io->class_) < 0 ||
      hk_json_i32(c, v, "priority", &io->priority, NULL) < 0)
    return -1;
  return 0;
}

static int read_cpu_affinity(struct hk_jctx *c, hk_jval v, void *data)
{
  struct hk_exec_cpu_affinity *a = data;

  if (hk_json_string(c, v, "initial", &a->initial) < 0 ||
      hk_json_string(c, v, "final", &a->final) < 0)
    return -1;
  return 0;
}

int hk_spec_read_process(struct hk_jctx *c, hk_jval obj, struct hk_process *p)
{
  if (hk_json_bool(c, obj, "terminal", &p->terminal, NULL) < 0 ||
      hk_json_section(c, obj, "consoleSize", read_console_size, &p->console_size,
                      &p->has_console_size) < 0 ||
      hk_json_section(c, obj, "user", read_user, &p->user, NULL) < 0 ||
      hk_json_strv(c, obj, "args", &p->args, NULL) < 0 ||
      hk_json_string(c, obj, "commandLine", &p->command_line) < 0 ||
      hk_json_strv(c, obj, "env", &p->env, NULL) < 0 ||
      hk_json_string(c, obj, "cwd", &p->cwd) < 0 ||
      hk_json_section(c, obj, "capabilities", read_capabilities, &p->capabilities,
                      &p->has_capabilities) < 0 ||
      hk_json_array(c, obj, "rlimits", sizeof(struct hk_rlimit), read_rlimit, &p->rlimits,
                    &p->rlimits_len, NULL) < 0 ||
      hk_json_bool(c, obj, "noNewPrivileges", &p->no_new_privileges, NULL) < 0 ||
      hk_json_string(c, obj, "apparmorProfile", &p->apparmor_profile) < 0 ||
      hk_json_i32(c, obj, "oomScoreAdj", &p->oom_score_adj, &p->has_oom_score_adj) < 0 ||
      hk_json_section(c, obj, "scheduler", read_scheduler, &p->scheduler, &p->has_scheduler) < 0 ||
      hk_json_string(c, obj, "selinuxLabel", &p->selinux_label) < 0 ||
      hk_json_section(c, obj, "ioPriority", read_io_priority, &p->io_priority,
                      &p->has_io_priority) < 0 ||
      hk_json_section(c, obj, "execCPUAffinity", read_cpu_affinity, &p->exec_cpu_affinity,
                      &p->has_exec_cpu_affinity) < 0)
    return -1;
  return 0;
}

void hk_spec_clear_process(struct hk_process *p)
{
  free(p->user.additional_gids);
  free(p->user.username);
  hk_json_strv_clear(&p->args);
  free(p->command_line);
  hk_json_strv_clear(&p->env);
  free(p->cwd);
  hk_json_strv_clear(&p->capabilities.bounding);
  hk_json_strv_clear(&p->capabilities.effective);
  hk_json_strv_clear(&p->capabilities.inheritable);
  hk_json_strv_clear(&p->capabilities.permitted);
  hk_json_strv_clear(&p->capabilities.ambient);
  for (size_t i = 0; i < p->rlimits_len; i++)
    free(p->rlimits[i].type);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->scheduler.policy);
  hk_json_strv_clear(&p->scheduler.flags);
  free(p->selinux_label);
  free(p->io_priority.class_);
  free(p->exec_cpu_affinity.initial);
  free(p->exec_cpu_affinity.final);
  memset(p, 0, sizeof(*p));
}

int hk_process_parse(const char *json, size_t len, const char *name, struct hk_process **out,
                     hk_error_t **err)
{
  struct hk_jctx c;
  hk_jval root;
  struct hk_process *p;
  int ret;

  *out = NULL;
  if (hk_json_open(&c, json, len, name, err, &root) < 0)
    return -1;
  p = hk_xmalloc0(sizeof(*p));
  ret = hk_spec_read_process(&c, root, p);
  hk_json_done(&c, root);
  if (ret < 0) {
    hk_process_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

void hk_process_free(struct hk_process *p)
{
  if (p == NULL)
    return;
  hk_spec_clear_process(p);
  free(p);
}
