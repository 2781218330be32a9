/* linux.seccomp: the filter as written in config.json.  Action, operator
 * and architecture names are checked by libcontainer against libseccomp. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "libcontainer/utils.h"
#include "oci-specs/readers.h"

static int read_arg(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_seccomp_arg *a = elem;

  if (hk_json_u32(c, v, "index", &a->index, NULL) < 0 ||
      hk_json_u64(c, v, "value", &a->value, NULL) < 0 ||
      hk_json_u64(c, v, "valueTwo", &a->value_two, &a->has_value_two) < 0 ||
      hk_json_string(c, v, "op", &a->op) < 0)
    return -1;
  return 0;
}

static int read_syscall(struct hk_jctx *c, hk_jval v, void *elem)
{
  struct hk_seccomp_syscall *s = elem;

  if (hk_json_strv(c, v, "names", &s->names, NULL) < 0 ||
      hk_json_string(c, v, "action", &s->action) < 0 ||
      hk_json_u32(c, v, "errnoRet", &s->errno_ret, &s->has_errno_ret) < 0 ||
      hk_json_array(c, v, "args", sizeof(struct hk_seccomp_arg), read_arg, &s->args, &s->args_len,
                    NULL) < 0)
    return -1;
  return 0;
}

int hk_spec_read_seccomp(struct hk_jctx *c, hk_jval v, struct hk_seccomp *s)
{
  if (hk_json_string(c, v, "defaultAction", &s->default_action) < 0 ||
      hk_json_u32(c, v, "defaultErrnoRet", &s->default_errno_ret, &s->has_default_errno_ret) < 0 ||
      hk_json_strv(c, v, "architectures", &s->architectures, NULL) < 0 ||
      hk_json_strv(c, v, "flags", &s->flags, NULL) < 0 ||
      hk_json_string(c, v, "listenerPath", &s->listener_path) < 0 ||
      hk_json_string(c, v, "listenerMetadata", &s->listener_metadata) < 0 ||
      hk_json_array(c, v, "syscalls", sizeof(struct hk_seccomp_syscall), read_syscall, &s->syscalls,
                    &s->syscalls_len, NULL) < 0)
    return -1;
  return 0;
}

void hk_spec_clear_seccomp(struct hk_seccomp *s)
{
  free(s->default_action);
  hk_json_strv_clear(&s->architectures);
  hk_json_strv_clear(&s->flags);
  free(s->listener_path);
  free(s->listener_metadata);
  for (size_t i = 0; i < s->syscalls_len; i++) {
    struct hk_seccomp_syscall *sc = &s->syscalls[i];
    hk_json_strv_clear(&sc->names);
    free(sc->action);
    for (size_t j = 0; j < sc->args_len; j++)
      free(sc->args[j].op);
    free(sc->args);
  }
  free(s->syscalls);
  memset(s, 0, sizeof(*s));
}
