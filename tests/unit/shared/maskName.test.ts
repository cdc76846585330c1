import { describe, expect, it } from "vitest";
import { runMaskNameCommand, type CommandOutput } from "../../../server/commands/maskName";
import { mulberry32 } from "../../support/random";
import {
  COMPOUND_SURNAMES,
  GIVEN_NAME_MASK,
  isOrganisationName,
  maskName,
} from "../../../shared/privacy/maskName";

describe("maskName", () => {
  it.each([
    ["张三", "张某"],
    ["张三丰", "张某"],
    ["王小明明", "王某"],
    ["李", "李某"],
    ["欧阳娜娜", "欧阳某"],
    ["欧阳修", "欧阳某"],
    ["司马懿", "司马某"],
    ["诸葛亮", "诸葛某"],
    ["上官婉儿", "上官某"],
    ["第五伦", "第五某"],
    // Two characters that spell a compound surname are a surname + a given name.
    ["欧阳", "欧某"],
    ["  张 三  ", "张某"],
    ["张\t三", "张某"],
    // Full-width spaces and compatibility forms are normalised first.
    ["张　三", "张某"],
    ["阿依古丽·买买提", "阿某"],
    ["阿依古丽•买买提", "阿某"],
    ["阿依古丽．买买提", "阿某"],
    ["爱新觉罗·溥仪", "爱某"],
    ["𠀋三", "𠀋某"],
    ["'张三", "张某"],
    ["(欧阳)娜娜", "欧阳某"],
    ["·买买提", "某"],
  ])("masks the Chinese name %s as %s", (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it.each([
    ["Zhang San", "Zhang S."],
    ["Zhang Sanfeng", "Zhang S."],
    ["zhang san", "zhang S."],
    ["Ouyang Nana", "Ouyang N."],
    ["Smith, John", "Smith J."],
    ["Smith,John Paul", "Smith J."],
    // Several words before a comma: read as "Family Given…", the rest dropped (rule 5).
    ["van der Berg, Jan", "van D."],
    ["van-der-Berg, Jan", "van-der-Berg J."],
    ["John Smith", "John S."],
    ["O'Brien, Patrick", "O'Brien P."],
    ["Zhang Xiao-Ming", "Zhang X."],
    ["Ｚｈａｎｇ　Ｓａｎ", "Zhang S."],
    ["Madonna", "M."],
    ["Smith,", "S."],
    ["Müller, Jürgen", "Müller J."],
    ["Иванов Иван", "Иванов И."],
  ])("masks the Latin-script name %s as %s", (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  // Issue 14 item 8: "Smith John Michael, X" showed "Smith John Michael X.".
  it.each([
    ["Smith, John Michael", "Smith J."],
    ["Smith John Michael, X", "Smith J."],
    ["Smith John, Michael, X", "Smith J."],
    ["Smith ,  John   Michael", "Smith J."],
    ["  Smith,John ", "Smith J."],
    ["smith, john michael", "smith J."],
    ["SMITH JOHN MICHAEL, X", "SMITH J."],
    ["Ouyang-Smith, John", "Ouyang-Smith J."],
    ["Ouyang-Smith John Michael, X", "Ouyang-Smith J."],
    ["Smith，John", "Smith J."],
    ["Smith - John, X", "Smith J."],
    [", John Michael", "J."],
  ])("masks %s as %s under the comma rule", (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it("never shows more than one family-name word and one initial, whatever the commas", () => {
    const random = mulberry32(14);
    const words = ["Smith", "John", "Michael", "van", "der", "O'Brien", "Ouyang-Na", "x", "Jr."];
    for (let i = 0; i < 500; i += 1) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
        const w = words[Math.floor(random() * words.length)] ?? "";
        return random() < 0.3 ? `${w},` : w;
      });
      const masked = maskName(parts.join(random() < 0.5 ? " " : "  "));
      // "Family X." or "X.": one word, then at most one capital letter and a dot.
      expect(masked).toMatch(/^(?:\S+ )?\p{Lu}\.$/u);
    }
  });

  it.each([
    ["伊春恒信物流有限公司", undefined],
    ["大连某某商贸有限责任公司", undefined],
    ["XX市YY区农民专业合作社", undefined],
    ["鑫源律师事务所", undefined],
    ["老王烧烤店", undefined],
    ["Acme Trading Co., Ltd.", undefined],
    ["Globex GmbH", undefined],
    ["大连恒信物流有限公司", "organisation"],
    ["北京市朝阳区市场监督管理局", "organisation"],
    ["北京大学", "organisation"],
    ["朝阳区公安局", "organisation"],
    ["北京市朝阳区人民法院", "organisation"],
    ["深圳市某某投资合伙企业(有限合伙)", "organisation"],
    ["Globex Trading Company Shenzhen", "organisation"],
  ] as const)("shows the organisation %s in full", (name, subjectType) => {
    expect(maskName(name, { subjectType })).toBe(name);
  });

  it.each([
    ["张三", "张某"],
    ["欧阳娜娜", "欧阳某"],
    ["Zhang San", "Zhang S."],
    ["Acme Trading", "Acme T."],
    ["张三（个体工商户）", "张某"],
    ["阿依古丽·买买提", "阿某"],
    // Surnames too rare for any list: short and bare, a name is masked all the same.
    ["禤志明", "禤某"],
    ["笪佳", "笪某"],
  ])(
    "masks an organisation named like a person (%s): a wrong pick never shows a name",
    (name, masked) => {
      expect(maskName(name, { subjectType: "organisation" })).toBe(masked);
    },
  );

  it("masks a person whose name merely ends like a company's", () => {
    expect(maskName("李小店", { subjectType: "person" })).toBe("李某");
    expect(maskName("Zhang Company", { subjectType: "person" })).toBe("Zhang C.");
  });

  it("takes short names ending in 店 or 厂 for people", () => {
    expect(isOrganisationName("王店")).toBe(false);
    expect(maskName("王店")).toBe("王某");
    expect(isOrganisationName("Zhang Sa")).toBe(false);
  });

  it("treats markup in a name as text and never outputs markup", () => {
    expect(maskName("<img src=x onerror=alert(1)>李四")).not.toMatch(/[<>"&=()]/);
    expect(maskName("<b>张三</b>")).not.toMatch(/[<>/三]/);
    expect(maskName("<script>alert(1)</script>")).not.toMatch(/[<>()]/);
    expect(maskName("Smith, <b>John</b>")).not.toMatch(/[<>/]|John/);
  });

  it("drops control and bidi characters", () => {
    expect(maskName("\u202E张三")).toBe("张某");
    expect(maskName("张\u200B三")).toBe("张某");
    expect(maskName("有限公司\u202E反转")).not.toContain("\u202E");
  });

  it("masks an empty name to nothing", () => {
    expect(maskName("")).toBe("");
    expect(maskName("   ")).toBe("");
  });

  it("knows the common compound surnames", () => {
    for (const s of ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容"]) {
      expect(COMPOUND_SURNAMES.has(s)).toBe(true);
    }
    for (const s of ["长孙", "宇文", "司徒", "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫"]) {
      expect(COMPOUND_SURNAMES.has(s)).toBe(true);
    }
    for (const s of ["西门", "百里", "呼延", "万俟", "闻人", "赫连", "澹台", "公冶", "宗政"]) {
      expect(COMPOUND_SURNAMES.has(s)).toBe(true);
    }
    for (const s of ["濮阳", "太叔", "申屠", "钟离", "拓跋", "第五"]) {
      expect(COMPOUND_SURNAMES.has(s)).toBe(true);
    }
  });
});

describe("maskName, property", () => {
  const single = Array.from("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高");
  const compound = [...COMPOUND_SURNAMES];
  // Common CJK Unified Ideographs, U+4E00..U+9FFF.
  const randomHan = (rnd: () => number): string =>
    String.fromCodePoint(0x4e00 + Math.floor(rnd() * (0x9fff - 0x4e00 + 1)));

  it("never shows a given-name character and never reveals the given name's length", () => {
    const rnd = mulberry32(20240601);
    for (let i = 0; i < 2000; i += 1) {
      const useCompound = rnd() < 0.3;
      const pick = <T>(xs: readonly T[]): T => {
        const x = xs[Math.floor(rnd() * xs.length)];
        if (x === undefined) throw new Error("empty list");
        return x;
      };
      const surname = useCompound ? pick(compound) : pick(single);
      const givenLength = 1 + Math.floor(rnd() * 4);
      const given = Array.from({ length: givenLength }, () => randomHan(rnd)).join("");
      const masked = maskName(surname + given);

      expect(masked).toBe(surname + GIVEN_NAME_MASK);
      const surnameChars = new Set(Array.from(surname + GIVEN_NAME_MASK));
      for (const ch of Array.from(given)) {
        if (!surnameChars.has(ch)) expect(masked).not.toContain(ch);
      }
      expect(Array.from(masked)).toHaveLength(Array.from(surname).length + 1);
    }
  });

  it("gives the same output for every given-name length of one surname", () => {
    const outputs = new Set(
      ["欧阳娜", "欧阳娜娜", "欧阳娜娜娜", "欧阳娜娜娜娜"].map((n) => maskName(n)),
    );
    expect([...outputs]).toEqual(["欧阳某"]);
    const latin = new Set(["Zhang S", "Zhang San", "Zhang Sanfengxyz"].map((n) => maskName(n)));
    expect([...latin]).toEqual(["Zhang S."]);
  });
});

describe("signage mask-name", () => {
  function capture(): { out: CommandOutput; text: () => { stdout: string; stderr: string } } {
    let stdout = "";
    let stderr = "";
    return {
      out: {
        stdout: { write: (s: string) => ((stdout += s), true) },
        stderr: { write: (s: string) => ((stderr += s), true) },
      },
      text: () => ({ stdout, stderr }),
    };
  }

  it("prints the masked name", async () => {
    const c = capture();
    expect(await runMaskNameCommand(["欧阳娜娜"], c.out)).toBe(0);
    expect(c.text().stdout).toBe("欧阳某\n");
  });

  it("joins unquoted words and honours --organisation", async () => {
    const a = capture();
    expect(await runMaskNameCommand(["Zhang", "San"], a.out)).toBe(0);
    expect(a.text().stdout).toBe("Zhang S.\n");
    const b = capture();
    expect(await runMaskNameCommand(["大连恒信物流有限公司", "--organisation"], b.out)).toBe(0);
    expect(b.text().stdout).toBe("大连恒信物流有限公司\n");
  });

  it("answers a usage error with exit code 2", async () => {
    const c = capture();
    expect(await runMaskNameCommand([], c.out)).toBe(2);
    expect(c.text().stderr).toMatch(/give the name to mask/);
    const d = capture();
    expect(await runMaskNameCommand(["x", "--bogus"], d.out)).toBe(2);
  });
});

describe("maskName: an organisation named after its legal representative", () => {
  it("masks the representative's whole name inside the organisation's, wherever it stands", () => {
    const opts = { subjectType: "organisation" as const };
    expect(maskName("张伟烧烤店", { ...opts, people: ["张伟"] })).toBe("张某烧烤店");
    expect(maskName("大连市欧阳娜娜餐饮店", { ...opts, people: ["欧阳娜娜"] })).toBe(
      "大连市欧阳某餐饮店",
    );
    expect(maskName("Zhang Wei Noodle House", { ...opts, people: ["Zhang Wei"] })).toBe(
      `${maskName("Zhang Wei")} Noodle House`,
    );
  });

  it("leaves the name whole when the representative is not in it, unknown or one letter", () => {
    const opts = { subjectType: "organisation" as const };
    expect(maskName("大连恒信物流有限公司", { ...opts, people: ["张伟"] })).toBe(
      "大连恒信物流有限公司",
    );
    expect(maskName("大连恒信物流有限公司", { ...opts, people: [null, undefined, "恒"] })).toBe(
      "大连恒信物流有限公司",
    );
  });
});

describe("maskName: the representative's name however the organisation's name writes it", () => {
  it("finds it across widths, spaces, dots and case", () => {
    const opts = { subjectType: "organisation" as const };
    expect(maskName("张 伟烧烤店", { ...opts, people: ["张伟"] })).toBe("张某烧烤店");
    expect(maskName("张伟烧烤店", { ...opts, people: ["张　伟"] })).toBe("张某烧烤店");
    expect(
      maskName("阿依古丽・买买提商店", { ...opts, people: ["阿依古丽·买买提"] }),
    ).not.toContain("买买提");
    expect(maskName("ZHANG WEI Trading Ltd", { ...opts, people: ["Zhang Wei"] })).not.toMatch(
      /wei/i,
    );
  });

  it("masks nobody for a representative the export left as unknown", () => {
    const opts = { subjectType: "organisation" as const };
    expect(maskName("未知烧烤店", { ...opts, people: ["未知"] })).toBe("未知烧烤店");
  });
});
