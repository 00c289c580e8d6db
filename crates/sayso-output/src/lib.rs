//! Renders sayso matches for people and programs. The JSON Lines form is the output contract
//! that downstream tools and the scorer read.
#![forbid(unsafe_code)]
