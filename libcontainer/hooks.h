/* OCI hooks: each is executed with the container's state on its stdin, its
 * output captured for the error message, and its timeout enforced. */
#ifndef HK_HOOKS_H
#define HK_HOOKS_H

#include <stdbool.h>

#include "error.h"
#include "oci-specs/spec.h"

/* Run every hook of the list in order.  `name` is the spec's key
 * ("createRuntime").  A failing hook stops the list with an error, unless
 * warn_only (poststart, poststop), where the failure is logged and the rest
 * still run. */
int hk_hooks_run(const struct hk_hook_list *hooks, const char *name, const struct hk_state *state,
                 bool warn_only, hk_error_t **err);

/* A borrowed view of the state hooks receive (nothing in it is freed). */
void hk_hooks_state_view(struct hk_state *s, const struct hk_spec *spec, const char *id,
                         const char *bundle, int pid, const char *status);

#endif
