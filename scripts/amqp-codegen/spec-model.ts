/**
 * Reads RabbitMQ's AMQP 0-9-1 JSON spec into the model the emitters print from.
 * Every name the generated code uses is derived here, once, so the emitters only
 * format text. The checks below fail the generator, not the broker, when a spec
 * change would produce a type the codec does not know.
 */

export type WireType = "octet" | "short" | "long" | "longlong" | "bit" | "shortstr" | "longstr" | "table" | "timestamp";

const WIRE_TYPES: readonly string[] = ["octet", "short", "long", "longlong", "bit", "shortstr", "longstr", "table", "timestamp"];

export interface FieldModel {
  /** The spec's name, e.g. `routing-key`. */
  readonly specName: string;
  /** The TypeScript property name, e.g. `routingKey`. */
  readonly propertyName: string;
  readonly wireType: WireType;
  /** The spec's default value, or undefined when the spec gives none. */
  readonly defaultValue: unknown;
}

export interface MethodModel {
  /** `basic.publish` */
  readonly dottedName: string;
  /** `BasicPublish` */
  readonly typeName: string;
  readonly classId: number;
  readonly methodId: number;
  readonly synchronous: boolean;
  readonly carriesContent: boolean;
  readonly fields: readonly FieldModel[];
}

export interface PropertyModel {
  readonly specName: string;
  readonly propertyName: string;
  /** `contentHeaderDeliveryMode` for `delivery-mode` */
  readonly accessorName: string;
  readonly wireType: WireType;
}

export interface ConstantModel {
  readonly name: string;
  readonly value: number;
}

export interface CodecModel {
  readonly methods: readonly MethodModel[];
  /** The content header properties of the basic class, in flag order. */
  readonly basicClassId: number;
  readonly basicProperties: readonly PropertyModel[];
  /** Spec constants that are not reply codes (the error registry owns those). */
  readonly frameConstants: readonly ConstantModel[];
}

interface SpecArgument {
  name: string;
  type?: string;
  domain?: string;
  "default-value"?: unknown;
}
interface SpecMethod {
  name: string;
  id: number;
  synchronous?: boolean;
  content?: boolean;
  arguments: SpecArgument[];
}
interface SpecClass {
  name: string;
  id: number;
  methods: SpecMethod[];
  properties?: { name: string; type: string }[];
}
export interface AmqpSpec {
  domains: [string, string][];
  constants: { name: string; value: number; class?: string }[];
  classes: SpecClass[];
}

export function camelCase(specName: string): string {
  return specName.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

export function pascalCase(specName: string): string {
  const camel = camelCase(specName);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

function wireType(type: string, where: string): WireType {
  if (!WIRE_TYPES.includes(type)) throw new Error(`${where}: unknown wire type ${type}`);
  return type as WireType;
}

export function buildModel(spec: AmqpSpec): CodecModel {
  const domains = new Map(spec.domains);
  const resolve = (argument: SpecArgument, where: string): WireType => {
    const type = argument.type ?? domains.get(argument.domain ?? "");
    if (type === undefined) throw new Error(`${where}: argument ${argument.name} has no type and an unknown domain ${argument.domain}`);
    return wireType(type, where);
  };
  const methods: MethodModel[] = [];
  const seenIds = new Set<number>();
  for (const specClass of spec.classes) {
    for (const specMethod of specClass.methods) {
      const dottedName = `${specClass.name}.${specMethod.name}`;
      const fields = specMethod.arguments.map((argument) => ({
        specName: argument.name,
        propertyName: camelCase(argument.name),
        wireType: resolve(argument, dottedName),
        defaultValue: argument["default-value"],
      }));
      // The discriminant is `method`: no argument may take that name.
      if (fields.some((field) => field.propertyName === "method")) throw new Error(`${dottedName}: an argument is named "method"`);
      const id = specClass.id * 0x10000 + specMethod.id;
      if (seenIds.has(id)) throw new Error(`${dottedName}: duplicate class/method id`);
      seenIds.add(id);
      methods.push({
        dottedName,
        typeName: pascalCase(specClass.name) + pascalCase(specMethod.name),
        classId: specClass.id,
        methodId: specMethod.id,
        synchronous: specMethod.synchronous === true,
        carriesContent: specMethod.content === true,
        fields,
      });
    }
  }
  const basic = spec.classes.find((specClass) => specClass.name === "basic");
  if (basic === undefined || basic.properties === undefined) throw new Error("the spec has no basic class properties");
  // One flag word holds 15 properties (bit 0 is the continuation flag); the basic class has 14.
  if (basic.properties.length > 15) throw new Error("basic has more than 15 properties: the header codec handles one flag word");
  const basicProperties = basic.properties.map((property) => ({
    specName: property.name,
    propertyName: camelCase(property.name),
    accessorName: `contentHeader${pascalCase(property.name)}`,
    wireType: wireType(property.type, `basic property ${property.name}`),
  }));
  const frameConstants = spec.constants
    .filter((constant) => constant.class === undefined && constant.name !== "FRAME-MIN-SIZE")
    .map((constant) => ({ name: constant.name.replace(/-/g, "_"), value: constant.value }));
  return { methods, basicClassId: basic.id, basicProperties, frameConstants };
}
