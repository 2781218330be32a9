/* libFuzzer target: process.json of `exec --process`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "oci-specs/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct hk_process *p = NULL;
  hk_error_t *err = NULL;

  if (hk_process_parse((const char *)data, size, "process.json", &p, &err) < 0) {
    if (err == NULL || err->msg == NULL || p != NULL)
      abort();
  } else {
    /* The string vectors keep their NULL terminator and count in step. */
    if (p->args.v && p->args.v[p->args.len] != NULL)
      abort();
  }
  hk_process_free(p);
  hk_error_free(err);
  return 0;
}
