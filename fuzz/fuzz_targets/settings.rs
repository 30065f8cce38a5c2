#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealift_fuzzing::settings(data));
