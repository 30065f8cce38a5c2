//! Holds the SeaORM oracle suite under tests/; no library code.
