import { z } from "zod";
import type { Language } from "../../../../shared/schemas/announcement";
import { DistrictSchema, type District } from "../../../../shared/schemas/district";
import { request } from "../lib/api";

/** The districts the user holds a role in (the server filters). */
export async function fetchDistricts(): Promise<District[]> {
  return (await request("/api/districts", z.object({ districts: z.array(DistrictSchema) })))
    .districts;
}

/** A district's name in the console's language, with its id: "中山区 (zhongshan)". */
export function districtLabel(
  districts: readonly District[],
  id: string,
  language: Language,
): string {
  const d = districts.find((x) => x.id === id);
  if (!d) return id;
  return `${language === "zh-CN" ? d.nameZh : d.nameEn} (${id})`;
}
