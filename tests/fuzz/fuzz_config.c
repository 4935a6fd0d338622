/* fuzz_config.c - libFuzzer target: any bytes as pam_kvp.conf and as
 * module arguments (fuzz_config_harness.c). */
#include "fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_config_one(data, size);
}
