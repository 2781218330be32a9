/* libFuzzer target: state.json.  A document that parses must survive a
 * write/parse round trip unchanged: writing the re-read state gives the
 * same text again. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-specs/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_state(const struct hk_state *s, size_t *len)
{
  hk_error_t *err = NULL;
  char *out = NULL;

  if (hk_state_to_json(s, true, true, &out, len, &err) < 0) {
    hk_error_free(err);
    abort(); /* the reader only hands out valid UTF-8 */
  }
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct hk_state *s = NULL, *again = NULL;
  hk_error_t *err = NULL;
  char *first, *second;
  size_t len1, len2;

  if (hk_state_parse((const char *)data, size, "state.json", &s, &err) < 0) {
    if (err == NULL || err->msg == NULL || s != NULL)
      abort();
    hk_error_free(err);
    return 0;
  }
  first = write_state(s, &len1);
  if (hk_state_parse(first, len1, "state.json", &again, &err) < 0)
    abort();
  second = write_state(again, &len2);
  if (len1 != len2 || memcmp(first, second, len1) != 0)
    abort();
  free(first);
  free(second);
  hk_state_free(s);
  hk_state_free(again);
  return 0;
}
