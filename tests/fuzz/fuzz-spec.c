/* libFuzzer target: config.json and `update --resources` documents.  Any
 * input must either parse or fail with a message, without leaks. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "oci-specs/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct hk_spec *spec = NULL;
  struct hk_resources *res = NULL;
  hk_error_t *err = NULL;

  if (hk_spec_parse((const char *)data, size, "config.json", &spec, &err) < 0) {
    if (err == NULL || err->msg == NULL || spec != NULL)
      abort();
  }
  hk_spec_free(spec);
  hk_error_free(err);
  err = NULL;
  if (hk_resources_parse((const char *)data, size, "resources.json", &res, &err) < 0) {
    if (err == NULL || err->msg == NULL || res != NULL)
      abort();
  }
  hk_resources_free(res);
  hk_error_free(err);
  return 0;
}
