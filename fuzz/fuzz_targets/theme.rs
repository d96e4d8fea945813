//! Theme validation: any JSON either is refused with a field and a reason,
//! or gives a theme that validates again unchanged (what is stored is
//! always valid).

#![no_main]

use chitter_core::domain::ThemeSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = serde_json::from_slice::<ThemeSpec>(data) else {
        return;
    };
    match spec.checked() {
        Ok(valid) => {
            let again: ThemeSpec =
                serde_json::from_slice(&serde_json::to_vec(&valid).unwrap()).unwrap();
            assert_eq!(again.checked().expect("a valid theme stays valid"), valid);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
