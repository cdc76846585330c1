import { describe, expect, it } from "vitest";
import {
  ENTRY_PUBLIC_TEXTS,
  findPersonalDataInEntry,
  type EntryTextSubject,
} from "../../../shared/privacy/entryTextCheck";

/** A person's entry whose texts carry nothing personal; fields overridden per case. */
function subject(overrides: Partial<EntryTextSubject> = {}): EntryTextSubject {
  return {
    subjectType: "person",
    fullName: "宋明远",
    idNumber: "110101199001013321",
    legalRepresentative: null,
    caseNumber: "（2024）京0101执10001号",
    court: "北京市东城区人民法院",
    obligation: "给付借款5000元及利息",
    performance: "全部未履行",
    listingGround: "违反财产报告制度",
    legalBasisNumber: "（2023）京0101民初2001号民事判决书",
    legalBasisIssuer: "北京市东城区人民法院",
    ...overrides,
  };
}

const codes = (s: EntryTextSubject): string[] =>
  findPersonalDataInEntry(s).map((f) => `${f.field}:${f.code}`);

describe("personal data in an entry's public texts", () => {
  it("finds nothing in an ordinary entry", () => {
    expect(codes(subject())).toEqual([]);
  });

  it.each([
    ["written plainly", "被告宋明远偿还"],
    ["with spaces", "被告宋 明 远偿还"],
    ["with a zero-width space", "被告宋\u200b明远偿还"],
    ["with a middle dot", "被告宋·明远偿还"],
    ["across a line break", "被告宋\n明远偿还"],
  ])("finds the listed person's full name %s, in every text", (_how, text) => {
    for (const field of ENTRY_PUBLIC_TEXTS) {
      expect(codes(subject({ [field]: text }))).toContain(`${field}:full_name`);
    }
  });

  it("finds a Latin name in any case and width, as a whole word only", () => {
    const latin = { fullName: "Li Na", idNumber: null };
    expect(codes(subject({ ...latin, obligation: "owed by LI  NA since 2020" }))).toEqual([
      "obligation:full_name",
    ]);
    expect(codes(subject({ ...latin, obligation: "owed by ＬＩ ＮＡ" }))).toEqual([
      "obligation:full_name",
    ]);
    expect(codes(subject({ ...latin, obligation: "Carolina Trading owed it" }))).toEqual([]);
  });

  it("leaves the masked name, and a one-letter name, alone", () => {
    expect(codes(subject({ obligation: "宋某偿还借款" }))).toEqual([]);
    expect(codes(subject({ fullName: "宋", obligation: "宋某偿还借款，宋庄" }))).toEqual([]);
  });

  it("leaves names the export masked already, and cells that name no one", () => {
    expect(codes(subject({ fullName: "宋某某", obligation: "被执行人宋某某偿还借款" }))).toEqual(
      [],
    );
    expect(
      codes(subject({ legalRepresentative: "王某", obligation: "偿还原告王某借款5000元" })),
    ).toEqual([]);
    expect(codes(subject({ legalRepresentative: "不详", performance: "履行情况不详" }))).toEqual(
      [],
    );
  });

  it("takes an organisation's own credit code as public, and any other as a finding", () => {
    const company = {
      subjectType: "organisation" as const,
      fullName: "大连恒信物流有限公司",
      idNumber: "91210200MA0QC5RB1X",
    };
    // Two credit codes with right check characters (GB 32100): its own, and another.
    expect(
      codes(subject({ ...company, obligation: "被执行人统一社会信用代码91210200MA0QC5RB1X" })),
    ).toEqual([]);
    expect(codes(subject({ ...company, obligation: "担保方代码91210200MA0QC5RB21" }))).toEqual([
      "obligation:credit_code",
    ]);
  });

  it("shows an organisation's own name, but not one named like a person", () => {
    const company = { subjectType: "organisation" as const, idNumber: null };
    expect(
      codes(
        subject({
          ...company,
          fullName: "东城区宏达建材有限公司",
          obligation: "东城区宏达建材有限公司偿还",
        }),
      ),
    ).toEqual([]);
    expect(codes(subject({ ...company, fullName: "宋明远", obligation: "宋明远偿还" }))).toEqual([
      "obligation:full_name",
    ]);
  });

  it("finds the legal representative's name, whoever is listed", () => {
    expect(
      codes(
        subject({
          subjectType: "organisation",
          fullName: "东城区宏达建材有限公司",
          legalRepresentative: "严秋生",
          performance: "负责人严秋生拒不到庭",
        }),
      ),
    ).toEqual(["performance:legal_representative"]);
  });

  it("finds the entry's own ID number however it is grouped, and other numbers by rule", () => {
    // An ID whose check digit is wrong: only the entry's own number finds it.
    const own = { idNumber: "110101199001013329" };
    expect(codes(subject({ ...own, obligation: "身份证 110101-19900101-3329 给付" }))).toEqual([
      "obligation:id_number",
    ]);
    expect(codes(subject({ performance: "电话13800138000" }))).toEqual([
      "performance:mobile_phone",
    ]);
    expect(codes(subject({ listingGround: "当事人钱多多拒不履行" }))).toEqual([
      "listingGround:name",
    ]);
  });

  it("never repeats what it found in its message", () => {
    const [f] = findPersonalDataInEntry(subject({ obligation: "被告宋明远偿还" }));
    expect(f?.message).toBe("the listed person's full name at characters 3–5");
    expect(f?.message).not.toContain("明远");
  });
});
