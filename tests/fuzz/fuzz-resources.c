/* libFuzzer target: the linux.resources JSON of `update -r FILE`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "oci-specs/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct hk_resources *r = NULL;
  hk_error_t *err = NULL;

  if (hk_resources_parse((const char *)data, size, "resources.json", &r, &err) < 0) {
    if (err == NULL || err->msg == NULL || r != NULL)
      abort();
    hk_error_free(err);
    return 0;
  }
  hk_resources_free(r);
  return 0;
}
