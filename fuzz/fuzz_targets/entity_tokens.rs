#![no_main]

libfuzzer_sys::fuzz_target!(|tokens: sealift_fuzzing::EntityTokens| {
    sealift_fuzzing::entity_tokens(&tokens)
});
