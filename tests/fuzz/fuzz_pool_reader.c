/* fuzz_pool_reader.c - libFuzzer target: any bytes as a pool file, through
 * every read path and the write paths (fuzz_pool_harness.c). */
#include "fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_pool_one(data, size);
}
