/* Capabilities: names are checked against libcap's table; capabilities the
 * running kernel does not know are skipped with a debug line, so a config
 * written for a newer kernel still runs. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "caps.h"
#include "log.h"
#include "utils.h"

static int last_cap(void)
{
  static int last = -1;
  if (last < 0) {
    char buf[16] = "";
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f && fgets(buf, sizeof(buf), f))
      last = atoi(buf);
    else
      last = CAP_LAST_CAP;
    if (f)
      fclose(f);
  }
  return last;
}

static int parse_set(const struct hk_strv *names, const char *set, bool *out, hk_error_t **err)
{
  memset(out, 0, 64 * sizeof(bool));
  for (size_t i = 0; i < names->len; i++) {
    cap_value_t v;
    if (cap_from_name(names->v[i], &v) < 0 || v < 0 || v >= 64)
      return hk_error_plain(err, EINVAL, "process.capabilities.%s[%zu]: unknown capability \"%s\"",
                           set, i, names->v[i]);
    if (v > last_cap()) {
      hk_debug("process.capabilities.%s: %s not supported by this kernel, ignored", set,
               names->v[i]);
      continue;
    }
    out[v] = true;
  }
  return 0;
}

int hk_caps_validate(const struct hk_capabilities *c, hk_error_t **err)
{
  bool tmp[64];
  return parse_set(&c->bounding, "bounding", tmp, err) < 0 ||
                 parse_set(&c->effective, "effective", tmp, err) < 0 ||
                 parse_set(&c->inheritable, "inheritable", tmp, err) < 0 ||
                 parse_set(&c->permitted, "permitted", tmp, err) < 0 ||
                 parse_set(&c->ambient, "ambient", tmp, err) < 0
             ? -1
             : 0;
}

int hk_caps_drop_bounding(const struct hk_capabilities *c, hk_error_t **err)
{
  bool keep[64];
  if (parse_set(&c->bounding, "bounding", keep, err) < 0)
    return -1;
  for (int v = 0; v <= last_cap(); v++) {
    if (keep[v])
      continue;
    if (prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0 && errno != EINVAL)
      return hk_error_make(err, errno, "drop capability %d from the bounding set", v);
  }
  return 0;
}

int hk_caps_apply(const struct hk_capabilities *c, hk_error_t **err)
{
  bool eff[64], perm[64], inh[64], amb[64];
  cap_t caps;
  int r = 0;

  if (parse_set(&c->effective, "effective", eff, err) < 0 ||
      parse_set(&c->permitted, "permitted", perm, err) < 0 ||
      parse_set(&c->inheritable, "inheritable", inh, err) < 0 ||
      parse_set(&c->ambient, "ambient", amb, err) < 0)
    return -1;
  caps = cap_init();
  if (caps == NULL)
    return hk_error_make(err, errno, "cap_init");
  for (cap_value_t v = 0; v <= last_cap(); v++) {
    if (eff[v])
      cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
    if (perm[v])
      cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
    if (inh[v])
      cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
  }
  if (cap_set_proc(caps) < 0)
    r = hk_error_make(err, errno, "process.capabilities: set capabilities");
  cap_free(caps);
  if (r < 0)
    return r;
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (int v = 0; v <= last_cap(); v++) {
    /* The kernel raises an ambient capability only if it is permitted and
     * inheritable; like runc, note the others and go on. */
    if (amb[v] && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0)
      hk_debug("process.capabilities.ambient: cannot raise capability %d: %s", v,
               strerror(errno));
  }
  return 0;
}
