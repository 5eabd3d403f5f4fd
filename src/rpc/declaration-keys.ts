/**
 * The JSON key each dependency and relation type is answered under, in the RPC's rows and
 * in the metadata archives alike (aurweb names them the same in both).
 */
export const DECLARATION_TYPE_KEYS: Readonly<Record<string, string>> = {
  depends: "Depends",
  makedepends: "MakeDepends",
  checkdepends: "CheckDepends",
  optdepends: "OptDepends",
  conflicts: "Conflicts",
  provides: "Provides",
  replaces: "Replaces",
};
