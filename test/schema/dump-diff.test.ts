// schema:diff in file mode against the production dump and drifted copies of it. Each drifted
// copy changes one thing; the diff must report exactly that and nothing else.
import { describe, expect, it } from "vitest";
import { diffDump, editAll, editTable, productionDump, removeTable } from "./support.js";

const dump = productionDump;

describe("the production dump", () => {
  it("matches the Drizzle schema", () => {
    expect(diffDump(dump)).toEqual([]);
  });
});

describe("drift is reported precisely", () => {
  const cases: [string, () => string, string[]][] = [
    ["a missing table", () => removeTable(dump, "PackageBlacklist"), ["PackageBlacklist: table missing from the database"]],
    [
      "an extra table",
      () => `${dump}\nCREATE TABLE \`Extra\` (\`ID\` int(10) unsigned NOT NULL, PRIMARY KEY (\`ID\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n`,
      ["Extra: table not in the code"],
    ],
    [
      "a missing column",
      () => editTable(dump, "Packages", "  `URL` varchar(8000) DEFAULT NULL,\n", ""),
      ["Packages.URL: column missing from the database (code: varchar(8000) NULL DEFAULT NULL)"],
    ],
    [
      "an extra column",
      () => editTable(dump, "Packages", "  `URL` varchar(8000) DEFAULT NULL,\n", "  `URL` varchar(8000) DEFAULT NULL,\n  `Flagged` tinyint(1) NOT NULL DEFAULT 0,\n"),
      ["Packages.Flagged: column not in the code (database: tinyint(1) NOT NULL DEFAULT 0)"],
    ],
    [
      "a different type",
      () => editTable(dump, "Users", "`Homepage` text DEFAULT NULL", "`Homepage` mediumtext DEFAULT NULL"),
      ["Users.Homepage: type: database mediumtext, code text"],
    ],
    [
      "a different length",
      () => editTable(dump, "Packages", "`Name` varchar(255) NOT NULL", "`Name` varchar(128) NOT NULL"),
      ["Packages.Name: type: database varchar(128), code varchar(255)"],
    ],
    [
      "a different DECIMAL precision",
      () => editTable(dump, "PackageBases", "decimal(10,6) unsigned", "decimal(12,6) unsigned"),
      ["PackageBases.Popularity: type: database decimal(12,6), code decimal(10,6)"],
    ],
    [
      "a different DECIMAL scale",
      () => editTable(dump, "TU_VoteInfo", "decimal(2,2) unsigned", "decimal(2,1) unsigned"),
      ["TU_VoteInfo.Quorum: type: database decimal(2,1), code decimal(2,2)"],
    ],
    [
      "a signed column where the code says unsigned",
      () => editTable(dump, "PackageBases", "`NumVotes` int(10) unsigned NOT NULL", "`NumVotes` int(11) NOT NULL"),
      ["PackageBases.NumVotes: unsigned: database signed, code unsigned"],
    ],
    [
      "a TINYINT(1) that became a plain TINYINT",
      () => editTable(dump, "Users", "`CommentNotify` tinyint(1)", "`CommentNotify` tinyint(4)"),
      ["Users.CommentNotify: type: database tinyint, code tinyint(1)"],
    ],
    [
      "CHAR instead of VARCHAR",
      () => editTable(dump, "Sessions", "`SessionID` char(32)", "`SessionID` varchar(32)"),
      ["Sessions.SessionID: type: database varchar(32), code char(32)"],
    ],
    [
      "a different nullability",
      () => editTable(dump, "Packages", "`Version` varchar(255) NOT NULL DEFAULT ''", "`Version` varchar(255) DEFAULT ''"),
      ["Packages.Version: nullable: database NULL, code NOT NULL"],
    ],
    [
      "a different default",
      () => editTable(dump, "Users", "DEFAULT 'en'", "DEFAULT 'de'"),
      ["Users.LangPreference: default: database 'de', code 'en'"],
    ],
    [
      "a TIMESTAMP without its current_timestamp() default",
      () => editTable(dump, "Users", "timestamp NOT NULL DEFAULT current_timestamp()", "timestamp NOT NULL"),
      ["Users.RegistrationTS: default: database none, code current_timestamp()"],
    ],
    [
      "a TIMESTAMP with ON UPDATE",
      () => editTable(dump, "Users", "DEFAULT current_timestamp()", "DEFAULT current_timestamp() ON UPDATE current_timestamp()"),
      ["Users.RegistrationTS: on update: database current_timestamp(), code none"],
    ],
    [
      "a DATETIME instead of a TIMESTAMP",
      () => editTable(dump, "Bans", "`BanTS` timestamp NOT NULL", "`BanTS` datetime NOT NULL"),
      ["Bans.BanTS: type: database datetime, code timestamp"],
    ],
    [
      "a missing AUTO_INCREMENT",
      () => editTable(dump, "Terms", "NOT NULL AUTO_INCREMENT", "NOT NULL"),
      ["Terms.ID: auto_increment: database no, code yes"],
    ],
    [
      "a column in another character set",
      () => editTable(dump, "Users", "`Username` varchar(32) NOT NULL", "`Username` varchar(32) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL"),
      ["Users.Username: charset: database latin1, code utf8mb4"],
    ],
    [
      "a column with another collation",
      () => editTable(dump, "Users", "`Username` varchar(32) NOT NULL", "`Username` varchar(32) COLLATE utf8mb4_bin NOT NULL"),
      ["Users.Username: collation: database utf8mb4_bin, code utf8mb4_general_ci"],
    ],
    [
      // What mysqldump prints after ALTER TABLE Terms DEFAULT COLLATE utf8mb4_unicode_ci:
      // the columns keep their collation and now spell it out.
      "a table with another default collation",
      () => {
        let edited = editTable(dump, "Terms", "COLLATE=utf8mb4_general_ci", "COLLATE=utf8mb4_unicode_ci");
        edited = editTable(edited, "Terms", "`Description` varchar(255) NOT NULL", "`Description` varchar(255) COLLATE utf8mb4_general_ci NOT NULL");
        return editTable(edited, "Terms", "`URL` varchar(8000) NOT NULL", "`URL` varchar(8000) COLLATE utf8mb4_general_ci NOT NULL");
      },
      ["Terms: collation: database utf8mb4_unicode_ci, code utf8mb4_general_ci"],
    ],
    [
      "a table whose columns inherit another character set",
      () => editTable(dump, "Terms", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci", "DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci"),
      [
        "Terms: charset: database latin1, code utf8mb4",
        "Terms.Description: charset: database latin1, code utf8mb4",
        "Terms.URL: charset: database latin1, code utf8mb4",
      ],
    ],
    [
      "another engine",
      () => editTable(dump, "Bans", "ENGINE=InnoDB", "ENGINE=MyISAM"),
      ["Bans: engine: database MyISAM, code InnoDB"],
    ],
    [
      "a moved column",
      () => editTable(dump, "Packages", "  `Description` varchar(255) DEFAULT NULL,\n  `URL` varchar(8000) DEFAULT NULL,\n", "  `URL` varchar(8000) DEFAULT NULL,\n  `Description` varchar(255) DEFAULT NULL,\n"),
      ["Packages.URL: position: database after Version, code after Description"],
    ],
    [
      "primary key columns in another order",
      () => editTable(dump, "PackageGroups", "PRIMARY KEY (`PackageID`,`GroupID`)", "PRIMARY KEY (`GroupID`,`PackageID`)"),
      ["PackageGroups: primary key: columns: database (GroupID, PackageID), code (PackageID, GroupID)"],
    ],
    [
      "a missing primary key",
      () => editTable(dump, "Bans", ",\n  PRIMARY KEY (`IPAddress`)", ""),
      ["Bans: primary key: columns: database none, code (IPAddress)"],
    ],
    [
      "a unique key that is a plain index",
      () => editTable(dump, "Users", "UNIQUE KEY `Email`", "KEY `Email`"),
      ["Users: index Email: kind: database INDEX, code UNIQUE"],
    ],
    [
      "index columns in another order",
      () => editTable(dump, "PackageVotes", "(`UsersID`,`PackageBaseID`)", "(`PackageBaseID`,`UsersID`)"),
      ["PackageVotes: index VoteUsersIDPackageID: columns: database (PackageBaseID, UsersID), code (UsersID, PackageBaseID)"],
    ],
    [
      "an index on other columns",
      () => editTable(dump, "Packages", "KEY `PackageBaseID` (`PackageBaseID`)", "KEY `PackageBaseID` (`PackageBaseID`,`Name`)"),
      ["Packages: index PackageBaseID: columns: database (PackageBaseID, Name), code (PackageBaseID)"],
    ],
    [
      "a renamed index",
      () => editTable(dump, "PackageBases", "KEY `BasesNumVotes`", "KEY `NumVotes`"),
      ["PackageBases: index BasesNumVotes: name: database NumVotes, code BasesNumVotes"],
    ],
    [
      "a missing index",
      () => editTable(dump, "PackageDepends", "  KEY `DependsDepName` (`DepName`),\n", ""),
      ["PackageDepends: index DependsDepName missing from the database (code: INDEX (DepName))"],
    ],
    [
      "an extra index",
      () => editTable(dump, "Packages", "  KEY `PackageBaseID` (`PackageBaseID`),\n", "  KEY `PackageBaseID` (`PackageBaseID`),\n  KEY `PackagesVersion` (`Version`),\n"),
      ["Packages: index PackagesVersion not in the code (database: INDEX (Version))"],
    ],
    [
      "another ON DELETE rule",
      () => editTable(dump, "Sessions", "ON DELETE CASCADE", "ON DELETE SET NULL"),
      ["Sessions: foreign key Sessions_ibfk_1: on delete: database SET NULL, code CASCADE"],
    ],
    [
      "another ON UPDATE rule",
      () => editTable(dump, "Sessions", "ON DELETE CASCADE", "ON DELETE CASCADE ON UPDATE CASCADE"),
      ["Sessions: foreign key Sessions_ibfk_1: on update: database CASCADE, code RESTRICT"],
    ],
    [
      "a foreign key to another table",
      () => editTable(dump, "TU_Votes", "FOREIGN KEY (`UserID`) REFERENCES `Users` (`ID`)", "FOREIGN KEY (`UserID`) REFERENCES `TU_VoteInfo` (`ID`)"),
      ["TU_Votes: foreign key TU_Votes_ibfk_2: references: database TU_VoteInfo (ID), code Users (ID)"],
    ],
    [
      "a foreign key on another column",
      () => editTable(dump, "PackageComments", "FOREIGN KEY (`EditedUsersID`)", "FOREIGN KEY (`DelUsersID`)"),
      ["PackageComments: foreign key PackageComments_ibfk_2: columns: database (DelUsersID), code (EditedUsersID)"],
    ],
    [
      "a renamed foreign key",
      () => editTable(dump, "Packages", "CONSTRAINT `Packages_ibfk_1`", "CONSTRAINT `fk_packages_base`"),
      ["Packages: foreign key Packages_ibfk_1: name: database fk_packages_base, code Packages_ibfk_1"],
    ],
    [
      "a missing foreign key",
      () => editTable(dump, "PackageSources", ",\n  CONSTRAINT `PackageSources_ibfk_1` FOREIGN KEY (`PackageID`) REFERENCES `Packages` (`ID`) ON DELETE CASCADE", ""),
      ["PackageSources: foreign key PackageSources_ibfk_1 missing from the database (code: (PackageID) REFERENCES Packages (ID) ON DELETE CASCADE ON UPDATE RESTRICT)"],
    ],
    [
      "an extra foreign key",
      () =>
        editTable(
          dump,
          "PackageRequests",
          "ON DELETE SET NULL\n)",
          "ON DELETE SET NULL,\n  CONSTRAINT `PackageRequests_ibfk_4` FOREIGN KEY (`ClosedUID`) REFERENCES `Users` (`ID`) ON DELETE SET NULL\n)",
        ),
      ["PackageRequests: foreign key PackageRequests_ibfk_4 not in the code (database: (ClosedUID) REFERENCES Users (ID) ON DELETE SET NULL ON UPDATE RESTRICT)"],
    ],
  ];

  it.each(cases)("%s", (_name, drift, expected) => {
    expect(diffDump(drift())).toEqual(expected);
  });
});

describe("cosmetic differences are not reported", () => {
  const cases: [string, () => string][] = [
    ["identifiers without backquotes", () => editAll(dump, /`/g, "")],
    ["other integer display widths", () => editAll(editAll(dump, /\b(int|bigint)\(\d+\)/g, "$1"), /tinyint\(3\)/g, "tinyint(4)")],
    ["other AUTO_INCREMENT counters", () => editAll(dump, /AUTO_INCREMENT=\d+/g, "AUTO_INCREMENT=98765")],
    [
      "comments",
      () => {
        let edited = editTable(dump, "Users", "`Email` varchar(254) NOT NULL,", "`Email` varchar(254) NOT NULL COMMENT 'where mail goes',\n  -- a line comment\n  /* a block comment */");
        edited = editTable(edited, "Users", "UNIQUE KEY `Email` (`Email`)", "UNIQUE KEY `Email` (`Email`) COMMENT 'one account per address'");
        return editTable(edited, "Users", "COLLATE=utf8mb4_general_ci;", "COLLATE=utf8mb4_general_ci COMMENT='accounts';");
      },
    ],
    ["INDEX instead of KEY", () => editAll(editAll(dump, /^ {2}KEY /gm, "  INDEX "), /UNIQUE KEY/g, "UNIQUE INDEX")],
    ["DEFAULT NULL left out", () => editAll(dump, / DEFAULT NULL/g, "")],
    ["DEFAULT before NOT NULL", () => editAll(dump, /NOT NULL DEFAULT ([^,\n]+)/g, "DEFAULT $1 NOT NULL")],
    ["ON DELETE RESTRICT instead of NO ACTION", () => editAll(dump, /ON DELETE NO ACTION/g, "ON DELETE RESTRICT")],
    ["no ON DELETE clause instead of NO ACTION", () => editAll(dump, / ON DELETE NO ACTION/g, "")],
    ["numbers written as strings", () => editAll(editAll(dump, /DEFAULT 0\.000000/g, "DEFAULT '0'"), /DEFAULT (\d+),/g, "DEFAULT '$1',")],
    ["the table collation left to the character set's default", () => editAll(dump, / COLLATE=utf8mb4_general_ci/g, "")],
    [
      "a column naming the table's character set",
      () => editTable(dump, "Bans", "`IPAddress` varchar(45) NOT NULL", "`IPAddress` varchar(45) CHARACTER SET utf8mb4 NOT NULL"),
    ],
    ["lower-case keywords", () => editAll(editAll(dump, /NOT NULL/g, "not null"), /CREATE TABLE/g, "create table")],
  ];

  it.each(cases)("%s", (_name, edit) => {
    const edited = edit();
    expect(edited).not.toEqual(dump);
    expect(diffDump(edited)).toEqual([]);
  });
});
