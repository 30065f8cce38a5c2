#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealift_fuzzing::entity_source(data));
