/* Capabilities: names are checked against libcap's table; capabilities the
 * running kernel does not know are skipped with a debug line, so a config
 * written for a newer kernel still runs. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
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

/* libcap also takes numbers ("41") and trailing blanks: a config names
 * capabilities as CAP_XXX (case aside, as crun allows). */
static bool name_ok(const char *name)
{
  if (strncasecmp(name, "CAP_", 4) != 0)
    return false;
  for (const char *c = name + 4; *c; c++)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || *c == '_'))
      return false;
  return name[4] != '\0';
}

static int parse_set(const struct hk_strv *names, const char *set, bool *out, hk_error_t **err)
{
  memset(out, 0, 64 * sizeof(bool));
  for (size_t i = 0; i < names->len; i++) {
    cap_value_t v;
    if (!name_ok(names->v[i]) || cap_from_name(names->v[i], &v) < 0 || v < 0 || v >= 64)
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
  /* Up to 63, not cap_last_cap: whatever this kernel has beyond what we
   * know of it goes too (EINVAL marks the end). */
  for (int v = 0; v < 64; v++) {
    if (keep[v])
      continue;
    if (prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0) {
      if (errno == EINVAL)
        break;
      return hk_error_make(err, errno, "drop capability %d from the bounding set", v);
    }
  }
  return 0;
}

static void add_name(char **list, cap_value_t v)
{
  char *n = cap_to_name(v), *joined;
  for (char *c = n; c && *c; c++)
    *c = toupper((unsigned char)*c);
  joined = hk_xasprintf("%s%s%s", *list ? *list : "", *list ? ", " : "", n ? n : "?");
  cap_free(n);
  free(*list);
  *list = joined;
}

/* cap_set_proc() failed with EPERM: say why.  A container never gets a
 * capability its runtime lacks, and the kernel keeps the inheritable set
 * within the bounding set. */
static int explain_eperm(const bool *perm, const bool *inh, hk_error_t **err)
{
  _cleanup_free_ char *lacking = NULL, *unbounded = NULL;
  cap_t own = cap_get_proc();

  for (cap_value_t v = 0; own && v <= last_cap(); v++) {
    cap_flag_value_t have = CAP_CLEAR;
    if (!perm[v] && !inh[v])
      continue;
    if (cap_get_flag(own, v, CAP_PERMITTED, &have) == 0 && have != CAP_SET)
      add_name(&lacking, v);
    else if (inh[v] && cap_get_bound(v) == 0)
      add_name(&unbounded, v);
  }
  if (own)
    cap_free(own);
  if (lacking)
    return hk_error_plain(err, EPERM,
                          "process.capabilities: husk itself does not have %s, so it cannot "
                          "grant it",
                          lacking);
  if (unbounded)
    return hk_error_plain(err, EPERM,
                          "process.capabilities.inheritable: %s not in the bounding set",
                          unbounded);
  return hk_error_make(err, EPERM, "process.capabilities: set capabilities");
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
    r = errno == EPERM ? explain_eperm(perm, inh, err)
                       : hk_error_make(err, errno, "process.capabilities: set capabilities");
  cap_free(caps);
  if (r < 0)
    return r;
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (int v = 0; v <= last_cap(); v++) {
    /* The kernel raises an ambient capability only if it is permitted and
     * inheritable; like runc, note the others and go on. */
    if (amb[v] && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0) {
      int e = errno;
      _cleanup_free_ char *name = NULL;
      add_name(&name, v);
      hk_debug("process.capabilities.ambient: %s not raised (%s): it must be permitted and "
               "inheritable too", name, strerror(e));
    }
  }
  return 0;
}
