/* process.capabilities: the five sets, applied with libcap. */
#ifndef HK_CAPS_H
#define HK_CAPS_H

#include "error.h"
#include "oci-specs/spec.h"

/* Check every name (unknown ones are refused, naming them). */
int hk_caps_validate(const struct hk_capabilities *c, hk_error_t **err);

/* Drop from the bounding set what is not listed; done before changing user
 * (needs CAP_SETPCAP). */
int hk_caps_drop_bounding(const struct hk_capabilities *c, hk_error_t **err);

/* Set effective, permitted, inheritable and ambient; done after changing
 * user (with PR_SET_KEEPCAPS). */
int hk_caps_apply(const struct hk_capabilities *c, hk_error_t **err);

#endif
