/*
 * Replays files through a libFuzzer-style harness without libFuzzer, so
 * `make test` can run every committed corpus under the sanitizers with
 * gcc alone. Prints "N passed, 0 failed"; a crash aborts the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int passed = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			fprintf(stderr, "cannot open %s\n", argv[i]);
			printf("%d passed, 1 failed\n", passed);
			return 1;
		}
		uint8_t *buf = malloc(1 << 20);
		size_t n = fread(buf, 1, 1 << 20, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		free(buf);
		passed++;
	}
	printf("%d passed, 0 failed\n", passed);
	return 0;
}
