//! Holds the insta snapshot suites under tests/; no library code.
